// The same v1 with a step added before the gate behind patched(): runs already past that
// point (waiting at the gate) keep the old command sequence; new runs take the new one.
import { patched } from '@temporalio/workflow';
import { action, defineRunbook, irreversible } from '../../../runbooks/sdk';

export const testEvolvingV1 = defineRunbook({
  name: 'test-evolving',
  version: 1,
  title: 'evolving runbook',
  risk: 'low',
  async body(rb, input) {
    const target = { namespace: input.namespace ?? 'default', deployment: 'web' };
    if (patched('restart-before-approval')) {
      await rb.step({
        name: 'restart-web',
        describe: 'restart first',
        risk: 'low',
        timeout: '30 seconds',
        action: action('k8sRolloutRestart', target),
        undo: irreversible('restart'),
      });
    }
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
