// Test-only runbooks (their own workflow bundle): short timeouts and several compensable steps,
// to drive the SDK's saga, gates and verification through every path in seconds.
import { action, defineRunbook, irreversible, type RunbookContext } from '../../runbooks/sdk';
import type { RunbookInput } from '../../runbooks/sdk';

function scaleWeb(rb: RunbookContext, namespace: string) {
  return rb.step({
    name: 'scale-web',
    describe: 'one more web replica',
    risk: 'low',
    timeout: '30 seconds',
    action: action('k8sScaleDeployment', { namespace, deployment: 'web', replicas: { add: 1 } }),
    undo: {
      describe: 'scale web back',
      call: (d) =>
        action('k8sScaleDeployment', {
          namespace,
          deployment: 'web',
          replicas: { set: d.from },
          expect: d.to,
        }),
    },
  });
}

function rollbackApi(rb: RunbookContext, namespace: string) {
  return rb.step({
    name: 'rollback-api',
    describe: 'api back to its previous revision',
    risk: 'medium',
    timeout: '30 seconds',
    action: action('k8sRollbackDeployment', { namespace, deployment: 'api' }),
    undo: {
      describe: 'roll api forward again',
      call: (d) =>
        action('k8sRollbackDeployment', {
          namespace,
          deployment: 'api',
          toRevision: d.fromRevision,
        }),
    },
  });
}

const ns = (input: RunbookInput) => input.namespace ?? 'default';

/** Two steps succeed, the third fails (no such deployment): both are undone, newest first. */
export const testFailingStepV1 = defineRunbook({
  name: 'test-failing-step',
  version: 1,
  title: 'third step fails',
  risk: 'medium',
  async body(rb, input) {
    await scaleWeb(rb, ns(input));
    await rollbackApi(rb, ns(input));
    await rb.step({
      name: 'restart-ghost',
      describe: 'restart a deployment that does not exist',
      risk: 'medium',
      timeout: '30 seconds',
      action: action('k8sRolloutRestart', { namespace: ns(input), deployment: 'ghost' }),
      undo: irreversible('restarts cannot be undone'),
    });
  },
});

/** A step, a gate (escalating after 2 s, timing out after 20 s), a step, a short verification. */
export const testGatedV1 = defineRunbook({
  name: 'test-gated',
  version: 1,
  title: 'gated in the middle',
  risk: 'medium',
  async body(rb, input) {
    await scaleWeb(rb, ns(input));
    await rb.approval({
      name: 'go-ahead',
      describe: 'roll api back',
      approvers: ['oncall'],
      escalateAfter: '2 seconds',
      escalateTo: ['leads'],
      timeout: '20 seconds',
    });
    await rollbackApi(rb, ns(input));
    await rb.verify({ service: input.service, within: '3 seconds', every: '500 milliseconds' });
  },
});

/** A step, then a verification judging the latest 3 s of traffic, with 12 s to recover. */
export const testVerifyWindowV1 = defineRunbook({
  name: 'test-verify-window',
  version: 1,
  title: 'verification of a fix whose symptom outlasts the change a little',
  risk: 'medium',
  async body(rb, input) {
    await rollbackApi(rb, ns(input));
    await rb.verify({
      service: input.service,
      within: '12 seconds',
      every: '500 milliseconds',
      window: '3 seconds',
    });
  },
});

/** A step, then a verification that gives an unreadable health 6 more seconds to be told. */
export const testVerifyPatientlyV1 = defineRunbook({
  name: 'test-verify-patiently',
  version: 1,
  title: 'verification that waits out an outage',
  risk: 'medium',
  async body(rb, input) {
    await rollbackApi(rb, ns(input));
    await rb.verify({
      service: input.service,
      within: '2 seconds',
      every: '500 milliseconds',
      cannotTellFor: '6 seconds',
    });
  },
});

/** A gate nobody answers in time. */
export const testImpatientV1 = defineRunbook({
  name: 'test-impatient',
  version: 1,
  title: 'short approval timeout',
  risk: 'medium',
  async body(rb, input) {
    await scaleWeb(rb, ns(input));
    await rb.approval({
      name: 'quick',
      describe: 'quick one',
      approvers: ['oncall'],
      timeout: '2 seconds',
    });
    await rollbackApi(rb, ns(input));
  },
});

/** For the crash test: Kubernetes and SSH actions that take a while, no gate. */
export const testLongStepsV1 = defineRunbook({
  name: 'test-long-steps',
  version: 1,
  title: 'slow actions',
  risk: 'medium',
  async body(rb, input) {
    await scaleWeb(rb, ns(input));
    await rb.step({
      name: 'restart-web',
      describe: 'restart web (slow rollout)',
      risk: 'medium',
      timeout: '1 minute',
      action: action('k8sRolloutRestart', { namespace: ns(input), deployment: 'web' }),
      undo: irreversible('restarts cannot be undone'),
    });
    await rb.step({
      name: 'slow-script',
      describe: 'a slow remote script',
      risk: 'medium',
      timeout: '1 minute',
      action: action('sshRunScript', { host: input.host ?? '127.0.0.1', script: 'slow', args: [] }),
      undo: irreversible('test script'),
    });
    await rb.verify({ service: input.service, within: '10 seconds', every: '500 milliseconds' });
  },
});

/** A step, then a check that the service still fails (6 s of patience when unreadable), a step. */
export const testPreconditionV1 = defineRunbook({
  name: 'test-precondition',
  version: 1,
  title: 'acts only on a service that still fails',
  risk: 'medium',
  async body(rb, input) {
    await scaleWeb(rb, ns(input));
    await rb.precondition({
      service: input.service,
      every: '500 milliseconds',
      cannotTellFor: '6 seconds',
    });
    await rollbackApi(rb, ns(input));
  },
});

/**
 * A restart of api judged, as a restart is, by its error rate alone, with 6 s to recover and 3 s
 * more while it cannot tell.
 */
export const testRestartV1 = defineRunbook({
  name: 'test-restart',
  version: 1,
  title: 'a restart whose own check reads only errors',
  risk: 'medium',
  async body(rb, input) {
    await rb.step({
      name: 'restart-api',
      describe: 'rolling restart of api',
      risk: 'medium',
      timeout: '30 seconds',
      action: action('k8sRolloutRestart', { namespace: ns(input), deployment: 'api' }),
      undo: irreversible('new pods from the same template'),
    });
    await rb.verify({
      service: input.service,
      within: '6 seconds',
      every: '500 milliseconds',
      window: '2 seconds',
      cannotTellFor: '3 seconds',
    });
  },
});
