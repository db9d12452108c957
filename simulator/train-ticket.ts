import { operation as op, validateTopology, type ServiceSpec, type Topology } from './topology';

/**
 * A 40-node system shaped like Train Ticket (FudanSELab): 30 Java/Spring services behind the
 * ts-ui-dashboard gateway, each storing data in its own MongoDB. Call paths follow the real
 * flows (search trips → ticketinfo → basic → station/train/route/price; preserve → security,
 * contacts, seat, order, assurance, food, consign, notification; pay; cancel; travel plan).
 */

const route = {
  login: 'POST /api/v1/users/login',
  verify: 'GET /api/v1/verifycode/verify/{code}',
  user: 'GET /api/v1/userservice/users/id/{userId}',
  tripsLeft: 'POST /api/v1/travelservice/trips/left',
  tripDetail: 'POST /api/v1/travelservice/trip_detail',
  tripRoute: 'GET /api/v1/travelservice/routes/{tripId}',
  trips2Left: 'POST /api/v1/travel2service/trips/left',
  ticketInfo: 'POST /api/v1/ticketinfoservice/ticketinfo',
  basic: 'POST /api/v1/basicservice/basic/travel',
  stationId: 'GET /api/v1/stationservice/stations/id/{name}',
  stationNames: 'POST /api/v1/stationservice/stations/namelist',
  train: 'GET /api/v1/trainservice/trains/{id}',
  routeById: 'GET /api/v1/routeservice/routes/{routeId}',
  price: 'GET /api/v1/priceservice/prices/{routeId}/{trainType}',
  leftTickets: 'POST /api/v1/seatservice/seats/left_tickets',
  distributeSeat: 'POST /api/v1/seatservice/seats',
  config: 'GET /api/v1/configservice/configs/{name}',
  orderTickets: 'POST /api/v1/orderservice/order/tickets',
  orderCreate: 'POST /api/v1/orderservice/order',
  orderRefresh: 'POST /api/v1/orderservice/order/refresh',
  orderGet: 'GET /api/v1/orderservice/order/{orderId}',
  orderModify: 'PUT /api/v1/orderservice/order',
  orderSecurity: 'GET /api/v1/orderservice/order/security/{date}/{accountId}',
  otherTickets: 'POST /api/v1/orderOtherService/orderOther/tickets',
  otherRefresh: 'POST /api/v1/orderOtherService/orderOther/refresh',
  otherSecurity: 'GET /api/v1/orderOtherService/orderOther/security/{date}/{accountId}',
  preserve: 'POST /api/v1/preserveservice/preserve',
  security: 'GET /api/v1/securityservice/securityConfigs/{accountId}',
  contact: 'GET /api/v1/contactservice/contacts/{id}',
  contacts: 'GET /api/v1/contactservice/contacts/account/{accountId}',
  assure: 'POST /api/v1/assuranceservice/assurances',
  assuranceTypes: 'GET /api/v1/assuranceservice/assurances/types',
  foodOrder: 'POST /api/v1/foodservice/orders',
  foods: 'GET /api/v1/foodservice/foods/{date}/{start}/{end}/{tripId}',
  consign: 'POST /api/v1/consignservice/consigns',
  consigns: 'GET /api/v1/consignservice/consigns/account/{id}',
  consignPrice: 'GET /api/v1/consignpriceservice/consignprice/{weight}/{isWithinRegion}',
  pay: 'POST /api/v1/inside_pay_service/inside_payment',
  drawback: 'GET /api/v1/inside_pay_service/inside_payment/drawback/{userId}/{money}',
  payment: 'POST /api/v1/paymentservice/payment',
  notifyPreserve: 'POST /api/v1/notifyservice/notification/preserve_success',
  notifyCancel: 'POST /api/v1/notifyservice/notification/order_cancel_success',
  cancel: 'GET /api/v1/cancelservice/cancel/{orderId}/{loginId}',
  collect: 'GET /api/v1/executeservice/execute/collected/{orderId}',
  cheapest: 'POST /api/v1/travelplanservice/travelPlan/cheapest',
  cheapestRoute: 'POST /api/v1/routeplanservice/routePlan/cheapestRoute',
} as const;

function java(name: string, operations: ServiceSpec['operations'], instances = 2): ServiceSpec {
  return { name, kind: 'app', language: 'java', instances, operations };
}

function mongo(name: string): ServiceSpec {
  return {
    name,
    kind: 'database',
    language: 'datastore',
    dbSystem: 'mongodb',
    instances: 1,
    operations: ['find', 'insert', 'update'].map((n) =>
      op(n, { selfMs: 0.9, sigma: 0.4, errorRate: 0, logs: [] }),
    ),
  };
}

/** Spring-style log line, `[method][message]`, as the Train Ticket services print them. */
function springLog(method: string, message: string, probability = 0.2) {
  return [{ severity: 'INFO' as const, body: `[${method}][${message}]`, probability }];
}

const services: ServiceSpec[] = [
  {
    name: 'ts-ui-dashboard',
    kind: 'app',
    language: 'node',
    instances: 2,
    operations: [
      [route.login, 'ts-auth-service'],
      [route.tripsLeft, 'ts-travel-service'],
      [route.trips2Left, 'ts-travel2-service'],
      [route.preserve, 'ts-preserve-service'],
      [route.orderRefresh, 'ts-order-service'],
      [route.otherRefresh, 'ts-order-other-service'],
      [route.pay, 'ts-inside-payment-service'],
      [route.cancel, 'ts-cancel-service'],
      [route.collect, 'ts-execute-service'],
      [route.cheapest, 'ts-travel-plan-service'],
      [route.foods, 'ts-food-service'],
      [route.contacts, 'ts-contacts-service'],
      [route.assuranceTypes, 'ts-assurance-service'],
      [route.consigns, 'ts-consign-service'],
    ].map(([path = '', target = '']) =>
      op(path, {
        selfMs: 0.8,
        calls: [`${target}:${path}`],
        logs: [{ severity: 'INFO', body: `"${path}" {n} {n} proxied`, probability: 0.1 }],
      }),
    ),
  },
  java('ts-auth-service', [
    op(route.login, {
      selfMs: 8,
      calls: [`ts-verification-code-service:${route.verify}`, 'ts-auth-mongo:find'],
      logs: springLog('login', 'User login success, USER ID: {n}', 0.5),
    }),
  ]),
  java('ts-verification-code-service', [op(route.verify, { selfMs: 1.5 })]),
  java('ts-user-service', [
    op(route.user, {
      selfMs: 2,
      calls: ['ts-user-mongo:find'],
      logs: springLog('getUserByUserId', 'Find user by id, USER ID: {n}'),
    }),
  ]),
  java('ts-travel-service', [
    op(route.tripsLeft, {
      selfMs: 5,
      calls: [
        'ts-travel-mongo:find',
        `ts-ticketinfo-service:${route.ticketInfo}`,
        `ts-seat-service:${route.leftTickets}`,
      ],
      logs: springLog('queryInfo', 'Query trips left, trips found: {n}'),
    }),
    op(route.tripDetail, {
      selfMs: 3,
      calls: [
        'ts-travel-mongo:find',
        `ts-ticketinfo-service:${route.ticketInfo}`,
        `ts-seat-service:${route.leftTickets}`,
      ],
      logs: springLog('getTripAllDetailInfo', 'Query trip detail, TripId: G{n}'),
    }),
    op(route.tripRoute, {
      selfMs: 1.5,
      calls: ['ts-travel-mongo:find', `ts-route-service:${route.routeById}`],
    }),
  ]),
  java('ts-travel2-service', [
    op(route.trips2Left, {
      selfMs: 5,
      calls: [
        'ts-travel-mongo:find',
        `ts-ticketinfo-service:${route.ticketInfo}`,
        `ts-seat-service:${route.leftTickets}`,
      ],
      logs: springLog('queryInfo', 'Query other trips left, trips found: {n}'),
    }),
  ]),
  java('ts-ticketinfo-service', [
    op(route.ticketInfo, { selfMs: 1.5, calls: [`ts-basic-service:${route.basic}`] }),
  ]),
  java('ts-basic-service', [
    op(route.basic, {
      selfMs: 3,
      calls: [
        `ts-station-service:${route.stationNames}`,
        `ts-train-service:${route.train}`,
        `ts-route-service:${route.routeById}`,
        `ts-price-service:${route.price}`,
      ],
      logs: springLog('queryForTravel', 'Query for travel, train type: {n}'),
    }),
  ]),
  java('ts-station-service', [
    op(route.stationId, { selfMs: 1, calls: ['ts-station-mongo:find'] }),
    op(route.stationNames, { selfMs: 1.5, calls: ['ts-station-mongo:find'] }),
  ]),
  java('ts-train-service', [op(route.train, { selfMs: 1 })]),
  java('ts-route-service', [
    op(route.routeById, {
      selfMs: 1,
      calls: ['ts-route-mongo:find'],
      logs: springLog('getRouteById', 'Get route by id, RouteId: {n}', 0.1),
    }),
  ]),
  java('ts-price-service', [op(route.price, { selfMs: 1, calls: ['ts-price-mongo:find'] })]),
  java('ts-seat-service', [
    op(route.leftTickets, {
      selfMs: 2,
      calls: [
        `ts-order-service:${route.orderTickets}?0.7`,
        `ts-order-other-service:${route.otherTickets}?0.3`,
        `ts-config-service:${route.config}`,
      ],
    }),
    op(route.distributeSeat, {
      selfMs: 2,
      calls: [
        `ts-order-service:${route.orderTickets}?0.7`,
        `ts-order-other-service:${route.otherTickets}?0.3`,
        `ts-config-service:${route.config}`,
      ],
      logs: springLog('distributeSeat', 'Distribute seat, seat number: {n}', 0.5),
    }),
  ]),
  java('ts-config-service', [op(route.config, { selfMs: 0.8 })]),
  java(
    'ts-order-service',
    [
      op(route.orderTickets, { selfMs: 2, calls: ['ts-order-mongo:find'] }),
      op(route.orderCreate, {
        selfMs: 3,
        calls: ['ts-order-mongo:find', 'ts-order-mongo:insert'],
        logs: springLog('create', 'Create order success, OrderId: {n}', 1),
      }),
      op(route.orderRefresh, {
        selfMs: 3,
        calls: ['ts-order-mongo:find', `ts-station-service:${route.stationNames}`],
      }),
      op(route.orderGet, { selfMs: 1.5, calls: ['ts-order-mongo:find'] }),
      op(route.orderModify, { selfMs: 2, calls: ['ts-order-mongo:update'] }),
      op(route.orderSecurity, { selfMs: 2, calls: ['ts-order-mongo:find'] }),
    ],
    3,
  ),
  java('ts-order-other-service', [
    op(route.otherTickets, { selfMs: 2, calls: ['ts-order-other-mongo:find'] }),
    op(route.otherRefresh, {
      selfMs: 3,
      calls: ['ts-order-other-mongo:find', `ts-station-service:${route.stationNames}`],
    }),
    op(route.otherSecurity, { selfMs: 2, calls: ['ts-order-other-mongo:find'] }),
  ]),
  java('ts-preserve-service', [
    op(route.preserve, {
      selfMs: 6,
      calls: [
        `ts-security-service:${route.security}`,
        `ts-contacts-service:${route.contact}`,
        `ts-travel-service:${route.tripDetail}`,
        `ts-station-service:${route.stationId}*2`,
        `ts-seat-service:${route.distributeSeat}`,
        `ts-order-service:${route.orderCreate}`,
        `ts-assurance-service:${route.assure}?0.5`,
        `ts-food-service:${route.foodOrder}?0.5`,
        `ts-consign-service:${route.consign}?0.4`,
        `ts-user-service:${route.user}`,
        `ts-notification-service:${route.notifyPreserve}`,
      ],
      logs: springLog('preserve', 'Preserve ticket success, OrderId: {n}', 1),
    }),
  ]),
  java('ts-security-service', [
    op(route.security, {
      selfMs: 2,
      calls: [
        `ts-order-service:${route.orderSecurity}`,
        `ts-order-other-service:${route.otherSecurity}`,
      ],
      logs: springLog('check', 'Security check, AccountId: {n}', 0.3),
    }),
  ]),
  java('ts-contacts-service', [
    op(route.contact, { selfMs: 1.5, calls: ['ts-contacts-mongo:find'] }),
    op(route.contacts, { selfMs: 1.5, calls: ['ts-contacts-mongo:find'] }),
  ]),
  java('ts-assurance-service', [
    op(route.assure, { selfMs: 1.5 }),
    op(route.assuranceTypes, { selfMs: 0.8 }),
  ]),
  java('ts-food-service', [
    op(route.foodOrder, { selfMs: 2 }),
    op(route.foods, {
      selfMs: 3,
      calls: [`ts-travel-service:${route.tripRoute}`, `ts-station-service:${route.stationId}`],
    }),
  ]),
  java('ts-consign-service', [
    op(route.consign, {
      selfMs: 2,
      calls: [`ts-consign-price-service:${route.consignPrice}`, 'ts-consign-mongo:insert'],
    }),
    op(route.consigns, { selfMs: 1.5, calls: ['ts-consign-mongo:find'] }),
  ]),
  java('ts-consign-price-service', [op(route.consignPrice, { selfMs: 1 })]),
  java('ts-inside-payment-service', [
    op(route.pay, {
      selfMs: 3,
      calls: [
        `ts-order-service:${route.orderGet}`,
        `ts-payment-service:${route.payment}`,
        `ts-order-service:${route.orderModify}`,
      ],
      logs: springLog('pay', 'Pay success, OrderId: {n}', 1),
    }),
    op(route.drawback, { selfMs: 2 }),
  ]),
  java('ts-payment-service', [op(route.payment, { selfMs: 2, errorRate: 0.002 })]),
  java('ts-notification-service', [
    op(route.notifyPreserve, {
      selfMs: 3,
      logs: springLog('preserve_success', 'Send email to user {n}', 1),
    }),
    op(route.notifyCancel, { selfMs: 3 }),
  ]),
  java('ts-cancel-service', [
    op(route.cancel, {
      selfMs: 3,
      calls: [
        `ts-order-service:${route.orderGet}`,
        `ts-inside-payment-service:${route.drawback}`,
        `ts-order-service:${route.orderModify}`,
        `ts-user-service:${route.user}`,
        `ts-notification-service:${route.notifyCancel}`,
      ],
      logs: springLog('cancelOrder', 'Cancel order success, OrderId: {n}', 1),
    }),
  ]),
  java('ts-execute-service', [
    op(route.collect, {
      selfMs: 2,
      calls: [`ts-order-service:${route.orderGet}`, `ts-order-service:${route.orderModify}`],
    }),
  ]),
  java('ts-travel-plan-service', [
    op(route.cheapest, {
      selfMs: 4,
      calls: [`ts-route-plan-service:${route.cheapestRoute}`],
    }),
  ]),
  java('ts-route-plan-service', [
    op(route.cheapestRoute, {
      selfMs: 4,
      calls: [
        `ts-travel-service:${route.tripsLeft}`,
        `ts-travel2-service:${route.trips2Left}`,
        `ts-station-service:${route.stationId}*2`,
      ],
    }),
  ]),
  ...[
    'ts-auth-mongo',
    'ts-user-mongo',
    'ts-travel-mongo',
    'ts-station-mongo',
    'ts-route-mongo',
    'ts-price-mongo',
    'ts-order-mongo',
    'ts-order-other-mongo',
    'ts-contacts-mongo',
    'ts-consign-mongo',
  ].map(mongo),
];

export const trainTicket: Topology = {
  name: 'train-ticket',
  entry: 'ts-ui-dashboard',
  entryMix: [
    { operation: route.login, weight: 3 },
    { operation: route.tripsLeft, weight: 10 },
    { operation: route.trips2Left, weight: 5 },
    { operation: route.preserve, weight: 3 },
    { operation: route.orderRefresh, weight: 4 },
    { operation: route.otherRefresh, weight: 2 },
    { operation: route.pay, weight: 2 },
    { operation: route.cancel, weight: 1 },
    { operation: route.collect, weight: 1 },
    { operation: route.cheapest, weight: 2 },
    { operation: route.foods, weight: 2 },
    { operation: route.contacts, weight: 2 },
    { operation: route.assuranceTypes, weight: 1 },
    { operation: route.consigns, weight: 1 },
  ],
  services,
};

validateTopology(trainTicket);
