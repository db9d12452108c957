import { defineRunbook } from './sdk';
import { escalate } from './escalate';

/** A certificate close to expiry: renewal is a human's job, so they are told and paged early. */
export const escalateCertificateExpiryV1 = defineRunbook({
  name: 'escalate-certificate-expiry',
  version: 1,
  title: 'Escalate a certificate expiry warning to the on-call',
  risk: 'low',
  incidentKinds: ['certificate-expiry'],
  body: (rb, input) =>
    escalate(rb, input, { why: 'a certificate is about to expire', severity: 'warning' }),
});
