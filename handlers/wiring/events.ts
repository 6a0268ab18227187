/** The EventBridge port: the member account's change rules, per region. */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EventRulesAdapter } from '../adapters/events';
import type { PortFactory } from './core';
import { sessionsOf } from './sessions';

export const memberChangeRules: PortFactory<'memberChangeRules'> = (w) => async (accountId, region) =>
  new EventRulesAdapter(w.clients.get(EventBridgeClient, region, await sessionsOf(w).member(accountId)));
