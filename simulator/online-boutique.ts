import { operation as op, validateTopology, type ServiceSpec, type Topology } from './topology';

/**
 * An 11-service shop shaped like Google's Online Boutique: a Go frontend over gRPC services
 * written in several languages, with the cart kept in Redis. The entry mix follows the
 * project's load generator (browse-heavy, few checkouts).
 */
const services: ServiceSpec[] = [
  {
    name: 'frontend',
    kind: 'app',
    language: 'go',
    instances: 3,
    operations: [
      op('GET /', {
        selfMs: 4,
        calls: [
          'currencyservice:GetSupportedCurrencies',
          'productcatalogservice:ListProducts',
          'cartservice:GetCart',
          'currencyservice:Convert*3',
          'adservice:GetAds',
        ],
      }),
      op('POST /setCurrency', { selfMs: 1.5 }),
      op('GET /product/{id}', {
        selfMs: 3,
        calls: [
          'currencyservice:GetSupportedCurrencies',
          'productcatalogservice:GetProduct',
          'cartservice:GetCart',
          'currencyservice:Convert',
          'recommendationservice:ListRecommendations',
          'adservice:GetAds',
        ],
      }),
      op('POST /cart', {
        selfMs: 2,
        calls: ['productcatalogservice:GetProduct', 'cartservice:AddItem'],
      }),
      op('GET /cart', {
        selfMs: 3,
        calls: [
          'currencyservice:GetSupportedCurrencies',
          'cartservice:GetCart',
          'recommendationservice:ListRecommendations',
          'shippingservice:GetQuote',
          'currencyservice:Convert*2',
          'productcatalogservice:GetProduct*2',
        ],
      }),
      op('POST /cart/checkout', {
        selfMs: 3,
        calls: [
          'checkoutservice:PlaceOrder',
          'recommendationservice:ListRecommendations',
          'currencyservice:GetSupportedCurrencies',
        ],
      }),
    ],
  },
  {
    name: 'cartservice',
    kind: 'app',
    language: 'csharp',
    instances: 2,
    operations: [
      op('GetCart', { selfMs: 1.5, calls: ['redis-cart:HGETALL'] }),
      op('AddItem', {
        selfMs: 2,
        calls: ['redis-cart:HGET', 'redis-cart:HSET', 'redis-cart:EXPIRE'],
      }),
      op('EmptyCart', { selfMs: 1.5, calls: ['redis-cart:HSET', 'redis-cart:EXPIRE'] }),
    ],
  },
  {
    name: 'redis-cart',
    kind: 'cache',
    language: 'datastore',
    dbSystem: 'redis',
    instances: 1,
    operations: ['HGETALL', 'HGET', 'HSET', 'EXPIRE'].map((name) =>
      op(name, { selfMs: 0.3, sigma: 0.3, errorRate: 0, logs: [] }),
    ),
  },
  {
    name: 'productcatalogservice',
    kind: 'app',
    language: 'go',
    instances: 2,
    operations: [op('ListProducts', { selfMs: 1.5 }), op('GetProduct', { selfMs: 0.8 })],
  },
  {
    name: 'currencyservice',
    kind: 'app',
    language: 'node',
    instances: 2,
    operations: [
      op('GetSupportedCurrencies', { selfMs: 0.8 }),
      op('Convert', {
        selfMs: 0.6,
        logs: [{ severity: 'INFO', body: 'conversion request successful', probability: 0.1 }],
      }),
    ],
  },
  {
    name: 'paymentservice',
    kind: 'app',
    language: 'node',
    instances: 2,
    operations: [
      op('Charge', {
        selfMs: 2,
        errorRate: 0.003,
        logs: [
          {
            severity: 'INFO',
            body: 'Transaction processed: visa ending {n} Amount: USD{n}.{n}',
            probability: 1,
          },
        ],
      }),
    ],
  },
  {
    name: 'shippingservice',
    kind: 'app',
    language: 'go',
    instances: 2,
    operations: [
      op('GetQuote', {
        selfMs: 1,
        logs: [{ severity: 'INFO', body: '[GetQuote] completed request', probability: 0.3 }],
      }),
      op('ShipOrder', { selfMs: 1.5 }),
    ],
  },
  {
    name: 'emailservice',
    kind: 'app',
    language: 'python',
    instances: 2,
    operations: [
      op('SendOrderConfirmation', {
        selfMs: 6,
        sigma: 0.45,
        logs: [
          { severity: 'INFO', body: 'A request to send order confirmation email', probability: 1 },
        ],
      }),
    ],
  },
  {
    name: 'checkoutservice',
    kind: 'app',
    language: 'go',
    instances: 2,
    operations: [
      op('PlaceOrder', {
        selfMs: 3,
        calls: [
          'cartservice:GetCart',
          'productcatalogservice:GetProduct*2',
          'currencyservice:Convert*3',
          'shippingservice:GetQuote',
          'paymentservice:Charge',
          'shippingservice:ShipOrder',
          'cartservice:EmptyCart',
          'emailservice:SendOrderConfirmation',
        ],
        logs: [
          { severity: 'INFO', body: 'payment went through (transaction_id: {n})', probability: 1 },
        ],
      }),
    ],
  },
  {
    name: 'recommendationservice',
    kind: 'app',
    language: 'python',
    instances: 2,
    operations: [
      op('ListRecommendations', {
        selfMs: 4,
        sigma: 0.45,
        calls: ['productcatalogservice:ListProducts'],
        logs: [
          {
            severity: 'INFO',
            body: '[Recv ListRecommendations] product_ids={n}',
            probability: 0.3,
          },
        ],
      }),
    ],
  },
  {
    name: 'adservice',
    kind: 'app',
    language: 'java',
    instances: 2,
    operations: [
      op('GetAds', {
        selfMs: 2,
        logs: [
          { severity: 'INFO', body: 'received ad request (context_words={n})', probability: 0.3 },
        ],
      }),
    ],
  },
];

export const onlineBoutique: Topology = {
  name: 'online-boutique',
  entry: 'frontend',
  entryMix: [
    { operation: 'GET /', weight: 1 },
    { operation: 'POST /setCurrency', weight: 2 },
    { operation: 'GET /product/{id}', weight: 10 },
    { operation: 'POST /cart', weight: 2 },
    { operation: 'GET /cart', weight: 3 },
    { operation: 'POST /cart/checkout', weight: 1 },
  ],
  services,
};

validateTopology(onlineBoutique);
