/**
 * EventBridge rules on an account's default bus, in one region: read one (DescribeRule,
 * ListTargetsByRule, ListTagsForResource), create or update it (PutRule replaces its pattern,
 * description and state), set its target, remove foreign targets.
 *
 * PutTargets and RemoveTargets report failures per entry (HTTP 200 with FailedEntryCount), not as an
 * error: a failed entry is raised here. A target with RoleArn needs `iam:PassRole` on that role.
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutTargets.html
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-identity-based.html
 */
import {
  DeleteRuleCommand,
  DescribeRuleCommand,
  type EventBridgeClient,
  ListTagsForResourceCommand,
  ListTargetsByRuleCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { UnexpectedAwsError } from '../shared/errors';
import type { ChangeRuleSpec, ObservedChangeRule } from '../domain/change-rules';
import { isAwsError, toOnboardingError } from './aws-errors';

/** One region's rules of one account. */
export class EventRulesAdapter {
  constructor(private readonly client: EventBridgeClient) {}

  /** The rule with its targets and tags; undefined when it does not exist. */
  async get(name: string): Promise<ObservedChangeRule | undefined> {
    const call = (operation: string) => ({ service: 'EventBridge', operation, target: name });
    let rule;
    try {
      rule = await this.client.send(new DescribeRuleCommand({ Name: name }));
    } catch (e) {
      if (isAwsError(e, 'ResourceNotFoundException')) return undefined;
      throw toOnboardingError(e, call('DescribeRule'));
    }
    try {
      // At most five targets per rule: one page.
      const targets = await this.client.send(new ListTargetsByRuleCommand({ Rule: name }));
      const tags = await this.client.send(new ListTagsForResourceCommand({ ResourceARN: rule.Arn }));
      return {
        arn: String(rule.Arn),
        state: String(rule.State),
        eventPattern: rule.EventPattern,
        description: rule.Description,
        targets: (targets.Targets ?? []).map((t) => ({ id: String(t.Id), arn: String(t.Arn), ...(t.RoleArn ? { roleArn: t.RoleArn } : {}) })),
        tags: (tags.Tags ?? []).map((t) => ({ Key: String(t.Key), Value: String(t.Value) })),
      };
    } catch (e) {
      // Deleted between the reads: absent, the next step creates it.
      if (isAwsError(e, 'ResourceNotFoundException')) return undefined;
      throw toOnboardingError(e, call('ListTargetsByRule'));
    }
  }

  /** PutRule: creates the rule (tagged) or replaces its pattern and description; always ENABLED. */
  async putRule(spec: ChangeRuleSpec, opts: { tag: boolean }): Promise<void> {
    try {
      await this.client.send(
        new PutRuleCommand({
          Name: spec.name,
          EventPattern: JSON.stringify(spec.eventPattern),
          Description: spec.description,
          State: 'ENABLED',
          ...(opts.tag ? { Tags: spec.tags.map((t) => ({ Key: t.Key, Value: t.Value })) } : {}),
        }),
      );
    } catch (e) {
      throw toOnboardingError(e, { service: 'EventBridge', operation: 'PutRule', target: spec.name });
    }
  }

  /** PutTargets with the spec's one target. */
  async putTarget(spec: ChangeRuleSpec): Promise<void> {
    const call = { service: 'EventBridge', operation: 'PutTargets', target: spec.name };
    let out;
    try {
      out = await this.client.send(
        new PutTargetsCommand({ Rule: spec.name, Targets: [{ Id: spec.target.id, Arn: spec.target.arn, RoleArn: spec.target.roleArn }] }),
      );
    } catch (e) {
      throw toOnboardingError(e, call);
    }
    failedEntries(out.FailedEntryCount, out.FailedEntries, call);
  }

  /**
   * DeleteRule (offboarding; its targets must be removed first). "If you call delete rule multiple times
   * for the same rule, all calls will succeed": a rule already gone counts as deleted.
   * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_DeleteRule.html
   */
  async deleteRule(name: string): Promise<void> {
    try {
      await this.client.send(new DeleteRuleCommand({ Name: name }));
    } catch (e) {
      if (isAwsError(e, 'ResourceNotFoundException')) return;
      throw toOnboardingError(e, { service: 'EventBridge', operation: 'DeleteRule', target: name });
    }
  }

  /** RemoveTargets of the given ids. */
  async removeTargets(name: string, ids: readonly string[]): Promise<void> {
    const call = { service: 'EventBridge', operation: 'RemoveTargets', target: name };
    let out;
    try {
      out = await this.client.send(new RemoveTargetsCommand({ Rule: name, Ids: [...ids] }));
    } catch (e) {
      throw toOnboardingError(e, call);
    }
    failedEntries(out.FailedEntryCount, out.FailedEntries, call);
  }
}

/** Raises the first failed entry of a PutTargets/RemoveTargets answer. */
function failedEntries(
  count: number | undefined,
  entries: readonly { TargetId?: string; ErrorCode?: string; ErrorMessage?: string }[] | undefined,
  call: { service: string; operation: string; target: string },
): void {
  if (!count) return;
  const first = entries?.[0];
  throw new UnexpectedAwsError(
    `EventBridge ${call.operation} on rule ${call.target} failed for target ${first?.TargetId ?? '?'}: ${first?.ErrorCode ?? 'unknown'}${first?.ErrorMessage ? `: ${first.ErrorMessage}` : ''}.`,
    { ...call, awsErrorName: first?.ErrorCode, failedEntryCount: count },
  );
}
