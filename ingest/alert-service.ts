import type { ServiceLabelRule } from '../integrations/config';

export type ServiceOfLabels = (labels: Record<string, string>) => string | undefined;

/** The service an alert is about, by the first rule that matches its labels. */
export function serviceMapper(rules: ServiceLabelRule[]): ServiceOfLabels {
  const compiled = rules.map((r) => ({
    label: r.label,
    regex: r.regex === undefined ? undefined : new RegExp(r.regex),
  }));
  return (labels) => {
    for (const { label, regex } of compiled) {
      const value = labels[label]?.trim();
      if (!value) continue;
      if (!regex) return value;
      const match = regex.exec(value);
      if (match) return match[1] ?? match[0];
    }
    return undefined;
  };
}
