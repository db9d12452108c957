// v1 of a runbook as first shipped (versioning test).
import { action, defineRunbook } from '../../../runbooks/sdk';

export const testEvolvingV1 = defineRunbook({
  name: 'test-evolving',
  version: 1,
  title: 'evolving runbook',
  risk: 'low',
  async body(rb, input) {
    const target = { namespace: input.namespace ?? 'default', deployment: 'web' };
    await rb.approval({ name: 'go', describe: 'go', approvers: ['oncall'], timeout: '1 minute' });
    await rb.step({
      name: 'scale-web',
      describe: 'one more replica',
      risk: 'low',
      timeout: '30 seconds',
      action: action('k8sScaleDeployment', { ...target, replicas: { add: 1 } }),
      undo: {
        describe: 'scale back',
        call: (d) => action('k8sScaleDeployment', { ...target, replicas: { set: d.from } }),
      },
    });
  },
});
