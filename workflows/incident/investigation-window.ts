/**
 * An incident's investigation ranks the window from this long before its first anomaly to the
 * moment it starts: symptoms lag their cause.
 */
export const faultLeadMs = 60_000;
