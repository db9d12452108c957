/**
 * An incident's investigation ranks the window from this long before its first anomaly to the
 * moment it starts: symptoms lag their cause. (Waiting for 30 s more of the fault before ranking
 * was measured in bench:detection-replay and ranked no more faults right.)
 */
export const faultLeadMs = 60_000;
