/** The IAM ports: roles in the member account and in the log-archive account. */
import { IAMClient } from '@aws-sdk/client-iam';
import { IamAdapter } from '../adapters/iam';
import type { PortFactory } from './core';
import { sessionsOf } from './sessions';

export const memberRoles: PortFactory<'memberRoles'> = (w) => async (accountId) =>
  new IamAdapter(w.clients.get(IAMClient, w.region, await sessionsOf(w).member(accountId)));

export const logArchiveRoles: PortFactory<'logArchiveRoles'> = (w) => async () =>
  new IamAdapter(w.clients.get(IAMClient, w.region, await sessionsOf(w).logArchive()));
