/**
 * Simulated KMS: symmetric keys with a key policy and a key state.
 *
 * Every request on a key is authorized by its key policy (with the root-delegation rule), as in KMS:
 * no key policy grant, no access. PutKeyPolicy follows its API reference: key's own account only,
 * policy at most 32 KB (LimitExceededException), principals must exist and be visible to KMS, and
 * the lockout safety check unless BypassPolicyLockoutSafetyCheck.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html
 *
 * Key state (https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html): DisableKey and
 * EnableKey switch between Enabled and Disabled; ScheduleKeyDeletion (a waiting period of 7-30 days,
 * default 30) makes it PendingDeletion with a DeletionDate, after which KMS deletes the key and its
 * aliases; CancelKeyDeletion makes it Disabled ("When this operation succeeds, the key state of the
 * KMS key is Disabled"). On a key pending deletion, DisableKey, EnableKey and ScheduleKeyDeletion
 * fail with "KMSInvalidStateException: <key ARN> is pending deletion."; CancelKeyDeletion on any
 * other key with "... is not pending deletion."; DescribeKey, GetKeyPolicy and PutKeyPolicy work in
 * every state. None of the four may be called from another account; each needs its action in the
 * key policy (API_DisableKey.html, API_EnableKey.html, API_ScheduleKeyDeletion.html,
 * API_CancelKeyDeletion.html). A key that is not Enabled makes CloudTrail's deliveries fail
 * (delivery.ts). Every change first lets CloudTrail deliver what was due under the old state
 * (`world.cloudtrail.beforeChange`).
 */
import type * as kms from '@aws-sdk/client-kms';
import { awsError } from './errors';
import type { Principal } from './identity';
import { awsPrincipalsOf, effectiveStatementsOnly, parsePolicy, readPolicy, rewriteAwsPrincipals, structuralProblem, utf8Bytes, type PolicyDocument } from './policy-doc';
import type { RequestContext } from './policy-eval';
import type { OperationHandler, SimServiceImpl } from './service';
import type { SimWorld } from './world';

/** A KMS key. */
export interface SimKey {
  readonly keyId: string;
  readonly arn: string;
  readonly accountId: string;
  readonly region: string;
  readonly description: string;
  readonly creationDate: Date;
  keyState: 'Enabled' | 'Disabled' | 'PendingDeletion';
  /** When KMS deletes the key (PendingDeletion only). */
  deletionDate?: Date;
  /** Key policy text. */
  policy: string;
}

/** A key as persisted (local/sim/persistence.ts): dates as ISO strings. */
export type PersistedKey = Omit<SimKey, 'creationDate' | 'deletionDate'> & { readonly creationDate: string; readonly deletionDate?: string };

/** ScheduleKeyDeletion's waiting period: "it must be between 7 and 30, inclusive. If you do not include a value, it defaults to 30." */
export const PENDING_WINDOW_DAYS = { min: 7, max: 30, default: 30 } as const;
const DAY_MS = 24 * 3600 * 1000;

/** KMS's state as persisted. */
export interface PersistedKms {
  readonly keys: PersistedKey[];
  /** Alias ARN -> key ARN. */
  readonly aliases: Record<string, string>;
  /** Remaining PutKeyPolicy calls that do not see a principal yet (`kmsPrincipalDelay`), by role ARN. */
  readonly principalDelays: Record<string, number>;
  readonly bypassLockoutCheckUsed: boolean;
}

/** How a simulated ciphertext starts (`ciphertextFor`). */
const SIM_CIPHERTEXT_PREFIX = 'sim-kms-ciphertext:';

/** Key policy size limit, bytes. */
export const KEY_POLICY_MAX_BYTES = 32 * 1024;

const KEY_ARN = /^arn:[a-z-]+:kms:([a-z0-9-]+):(\d{12}):key\/([\w-]+)$/;
/** Key policies may hold printable ASCII, Latin-1 and tab/LF/CR only (PutKeyPolicy API reference). */
const ALLOWED_CHARS = /^[\t\n\r\u0020-\u00FF]*$/;

/** The default key policy: the account root may do everything, which delegates access to IAM. */
export function defaultKeyPolicy(partition: string, accountId: string): object {
  return {
    Version: '2012-10-17',
    Id: 'key-default-1',
    Statement: [
      {
        Sid: 'Enable IAM User Permissions',
        Effect: 'Allow',
        Principal: { AWS: `arn:${partition}:iam::${accountId}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
    ],
  };
}

/** KMS of the world. */
export class KmsSim implements SimServiceImpl {
  private readonly keys = new Map<string, SimKey>();
  /** Remaining PutKeyPolicy calls that do not "see" a just-created role yet, by role ARN. */
  private readonly principalDelays = new Map<string, number>();
  /** True once any PutKeyPolicy call asked to bypass the lockout safety check. */
  bypassLockoutCheckUsed = false;
  /** Set while expired keys are being deleted (CloudTrail looks keys up meanwhile). */
  private expiring = false;

  constructor(private readonly world: SimWorld) {}

  targetAccount(_operation: string, input: Record<string, unknown>, caller: Principal): string {
    const m = KEY_ARN.exec(String(input.KeyId));
    return m ? m[2] : caller.accountId;
  }

  /** Creates a key (seeding; there is no CreateKey operation). */
  addKey(spec: { accountId: string; region: string; keyId: string; policy?: string | object; description?: string }): SimKey {
    this.world.accounts.require(spec.accountId);
    const arn = `arn:${this.world.partition}:kms:${spec.region}:${spec.accountId}:key/${spec.keyId}`;
    if (this.keys.has(arn)) throw new Error(`Key ${arn} already exists`);
    this.world.cloudtrail.beforeChange({ keyArn: arn });
    const policy = spec.policy ?? defaultKeyPolicy(this.world.partition, spec.accountId);
    const key: SimKey = {
      keyId: spec.keyId,
      arn,
      accountId: spec.accountId,
      region: spec.region,
      description: spec.description ?? '',
      creationDate: this.world.now(),
      keyState: 'Enabled',
      policy: typeof policy === 'string' ? policy : JSON.stringify(policy),
    };
    this.keys.set(arn, key);
    return key;
  }

  /** Alias ARN -> key ARN. */
  private readonly aliases = new Map<string, string>();

  /** Creates an alias (`alias/<name>`) for a key, in the key's account and region. */
  addAlias(keyArn: string, aliasName: string): string {
    const key = this.keys.get(keyArn);
    if (!key) throw new Error(`Key ${keyArn} does not exist`);
    if (!/^alias\/[A-Za-z0-9/_-]{1,250}$/.test(aliasName) || aliasName.startsWith('alias/aws/')) throw new Error(`Invalid alias name ${aliasName}`);
    const aliasArn = `arn:${this.world.partition}:kms:${key.region}:${key.accountId}:${aliasName}`;
    this.aliases.set(aliasArn, keyArn);
    return aliasArn;
  }

  /** Resolves an alias name or alias ARN (accepted by DescribeKey, not by the key-policy calls). */
  private resolveAlias(id: string, accountId: string, region: string): SimKey | undefined {
    this.expireDeletedKeys();
    const aliasArn = id.startsWith('alias/') ? `arn:${this.world.partition}:kms:${region}:${accountId}:${id}` : id;
    const keyArn = this.aliases.get(aliasArn);
    return keyArn ? this.keys.get(keyArn) : undefined;
  }

  /** Resolves a key id or key ARN as seen from `accountId` in `region`; undefined when there is none. */
  resolve(keyIdOrArn: string, accountId: string, region: string): SimKey | undefined {
    this.expireDeletedKeys();
    if (KEY_ARN.test(keyIdOrArn)) return this.keys.get(keyIdOrArn);
    return this.keys.get(`arn:${this.world.partition}:kms:${region}:${accountId}:key/${keyIdOrArn}`);
  }

  /** All keys by ARN. */
  list(): SimKey[] {
    this.expireDeletedKeys();
    return [...this.keys.values()].sort((a, b) => a.arn.localeCompare(b.arn));
  }

  /** Keys (with policies and states), aliases and switches as plain JSON (persistence.ts). */
  exportState(): PersistedKms {
    return {
      keys: this.list().map(({ deletionDate, ...k }) => ({
        ...k,
        creationDate: k.creationDate.toISOString(),
        ...(deletionDate ? { deletionDate: deletionDate.toISOString() } : {}),
      })),
      aliases: Object.fromEntries([...this.aliases].sort(([a], [b]) => a.localeCompare(b))),
      principalDelays: Object.fromEntries([...this.principalDelays].filter(([, n]) => n > 0)),
      bypassLockoutCheckUsed: this.bypassLockoutCheckUsed,
    };
  }

  /** Replaces keys, aliases and switches with the persisted ones. */
  importState(state: PersistedKms): void {
    this.keys.clear();
    this.aliases.clear();
    this.principalDelays.clear();
    for (const { deletionDate, ...k } of state.keys) {
      this.keys.set(k.arn, { ...k, creationDate: new Date(k.creationDate), ...(deletionDate ? { deletionDate: new Date(deletionDate) } : {}) });
    }
    for (const [alias, key] of Object.entries(state.aliases)) this.aliases.set(alias, key);
    for (const [arn, n] of Object.entries(state.principalDelays)) this.principalDelays.set(arn, n);
    this.bypassLockoutCheckUsed = state.bypassLockoutCheckUsed;
  }

  /** Makes the next `calls` PutKeyPolicy calls naming `roleArn` fail as IAM propagation delay. */
  delayPrincipal(roleArn: string, calls: number): void {
    this.principalDelays.set(roleArn, calls);
  }

  /** Rewrites a principal in every key policy (a deleted role becomes its unique id). */
  replaceInPolicies(from: string, to: string): void {
    for (const key of this.keys.values()) {
      const doc = parsePolicy(key.policy);
      if (doc && rewriteAwsPrincipals(doc, (v) => (v === from ? to : v))) {
        this.world.cloudtrail.beforeChange({ keyArn: key.arn });
        key.policy = JSON.stringify(doc);
      }
    }
  }

  /**
   * Deletes the keys whose waiting period has ended, with their aliases: "After the waiting period
   * ends, KMS deletes the KMS key, its key material, and all KMS data associated with it, including
   * all aliases that refer to it" (API_ScheduleKeyDeletion.html). Runs whenever keys are looked up;
   * CloudTrail first delivers what was due until the deletion date under the pending-deletion key.
   */
  expireDeletedKeys(): void {
    if (this.expiring) return;
    this.expiring = true;
    try {
      const now = this.world.now().getTime();
      for (const key of [...this.keys.values()]) {
        if (key.keyState !== 'PendingDeletion' || !key.deletionDate || key.deletionDate.getTime() > now) continue;
        this.world.cloudtrail.beforeChange({ keyArn: key.arn }, key.deletionDate);
        this.keys.delete(key.arn);
        for (const [alias, target] of [...this.aliases]) if (target === key.arn) this.aliases.delete(alias);
      }
    } finally {
      this.expiring = false;
    }
  }

  /** The key policy as evaluated: statements missing Action or Resource take no effect. */
  effectivePolicy(key: Pick<SimKey, 'policy'>): PolicyDocument | undefined {
    const doc = readPolicy(key.policy);
    return doc ? effectiveStatementsOnly(doc) : undefined;
  }

  /** Finds the key a request names in the client's region, or throws NotFoundException. */
  private requireKey(keyId: unknown, caller: Principal, region: string): SimKey {
    const id = String(keyId);
    const key = this.resolve(id, caller.accountId, region);
    if (!key || key.region !== region) awsError('NotFoundException', `Key '${KEY_ARN.test(id) ? id : `arn:${this.world.partition}:kms:${region}:${caller.accountId}:key/${id}`}' does not exist`);
    return key;
  }

  private accessDenied(caller: Principal, action: string, key: SimKey, reason: string): never {
    return awsError('AccessDeniedException', `User: ${caller.arn} is not authorized to perform: ${action} on resource: ${key.arn} ${reason}`);
  }

  /** Authorizes `action` under the key's current policy; `crossAccount`: whether KMS allows it from another account. */
  private async authorizeKey(caller: Principal, key: SimKey, action: string, crossAccount: boolean, context: RequestContext = {}): Promise<void> {
    if (!crossAccount && caller.accountId !== key.accountId) {
      this.accessDenied(caller, action, key, 'because the operation cannot be performed on a KMS key in a different account');
    }
    // kms:ResourceAliases: the aliases of the key (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-resource-aliases).
    const aliases = [...this.aliases].filter(([, target]) => target === key.arn).map(([aliasArn]) => aliasArn.slice(aliasArn.indexOf(':alias/') + 1));
    const full = aliases.length ? { 'kms:ResourceAliases': aliases, ...context } : context;
    const result = await this.world.authorize(caller, action, { arn: key.arn, accountId: key.accountId, policy: this.effectivePolicy(key) }, full);
    if (!result.allowed) this.accessDenied(caller, action, key, `because no resource-based policy allows the ${action} action`);
  }

  /** Validates a new key policy as PutKeyPolicy does (size, syntax, principals, lockout). */
  private async checkNewPolicy(caller: Principal, key: SimKey, text: string, bypass: boolean): Promise<void> {
    if (utf8Bytes(text) > KEY_POLICY_MAX_BYTES) {
      awsError('LimitExceededException', `The key policy exceeds the maximum size of ${KEY_POLICY_MAX_BYTES} bytes.`);
    }
    const doc = ALLOWED_CHARS.test(text) ? parsePolicy(text) : undefined;
    if (!doc) awsError('MalformedPolicyDocumentException', 'The new key policy contains invalid characters or is not valid JSON.');
    const problem = structuralProblem(doc, 'key');
    if (problem) awsError('MalformedPolicyDocumentException', problem);
    const invalid = 'Policy contains a statement with one or more invalid principals.';
    if (this.world.findInvalidPrincipal(doc)) awsError('MalformedPolicyDocumentException', invalid);
    for (const principal of new Set(awsPrincipalsOf(doc))) {
      const left = this.principalDelays.get(principal) ?? 0;
      if (left > 0) {
        this.principalDelays.set(principal, left - 1);
        awsError('MalformedPolicyDocumentException', invalid);
      }
    }
    if (bypass) return;
    // Lockout safety check: the new policy must let the caller call PutKeyPolicy again.
    const after = await this.world.authorize(caller, 'kms:PutKeyPolicy', { arn: key.arn, accountId: key.accountId, policy: effectiveStatementsOnly(doc) });
    if (!after.allowed) {
      awsError('MalformedPolicyDocumentException', 'The new key policy will not allow you to update the key policy in the future.');
    }
  }

  /** DisableKey, EnableKey and ScheduleKeyDeletion refuse a key pending deletion (key-state.html, note [3]). */
  private requireNotPendingDeletion(key: SimKey): void {
    if (key.keyState === 'PendingDeletion') awsError('KMSInvalidStateException', `${key.arn} is pending deletion.`);
  }

  /** Changes a key's state, after CloudTrail delivered what was due under the old one. */
  private setState(key: SimKey, state: SimKey['keyState'], deletionDate?: Date): void {
    this.world.cloudtrail.beforeChange({ keyArn: key.arn });
    key.keyState = state;
    if (deletionDate) key.deletionDate = deletionDate;
    else delete key.deletionDate;
  }

  private keyMetadata(key: SimKey): kms.KeyMetadata {
    return {
      AWSAccountId: key.accountId,
      KeyId: key.keyId,
      Arn: key.arn,
      CreationDate: key.creationDate,
      Enabled: key.keyState === 'Enabled',
      Description: key.description,
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeyState: key.keyState,
      ...(key.deletionDate ? { DeletionDate: key.deletionDate } : {}),
      Origin: 'AWS_KMS',
      KeyManager: 'CUSTOMER',
      CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
      KeySpec: 'SYMMETRIC_DEFAULT',
      EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
      MultiRegion: false,
    };
  }

  /**
   * A ciphertext of the key under an encryption context, for Decrypt (the simulation encrypts
   * nothing: the blob names the key and the context, which Decrypt checks as KMS does).
   */
  ciphertextFor(keyArn: string, encryptionContext: Record<string, string> = {}): Uint8Array {
    const context = Object.fromEntries(Object.entries(encryptionContext).sort(([a], [b]) => a.localeCompare(b)));
    return new TextEncoder().encode(`${SIM_CIPHERTEXT_PREFIX}${JSON.stringify({ keyArn, context })}`);
  }

  readonly operations = {
    Decrypt: async ({ caller, region, input }) => {
      // https://docs.aws.amazon.com/kms/latest/APIReference/API_Decrypt.html: the key comes from the
      // ciphertext; KeyId, when given, must name it (IncorrectKeyException); kms:Decrypt is authorized with
      // the request's encryption context (kms:EncryptionContext:<key>), which must then be the one the
      // ciphertext was made with (InvalidCiphertextException). Cross-account use is allowed by KMS.
      const blob = input.CiphertextBlob ? new TextDecoder().decode(input.CiphertextBlob) : '';
      let parsed: { keyArn: string; context: Record<string, string> } | undefined;
      try {
        parsed = blob.startsWith(SIM_CIPHERTEXT_PREFIX) ? JSON.parse(blob.slice(SIM_CIPHERTEXT_PREFIX.length)) : undefined;
      } catch {
        parsed = undefined;
      }
      if (!parsed) awsError('InvalidCiphertextException', '');
      const key = this.keys.get(parsed.keyArn);
      if (!key || key.region !== region) awsError('InvalidCiphertextException', '');
      if (input.KeyId !== undefined) {
        const named = /(^|:)alias\//.test(input.KeyId) ? this.resolveAlias(input.KeyId, caller.accountId, region) : this.resolve(input.KeyId, caller.accountId, region);
        if (named?.arn !== key.arn) awsError('IncorrectKeyException', 'The key ID in the request does not identify a CMK that can perform this operation.');
      }
      const context = input.EncryptionContext ?? {};
      await this.authorizeKey(caller, key, 'kms:Decrypt', true, Object.fromEntries(Object.entries(context).map(([k, v]) => [`kms:EncryptionContext:${k}`, v])));
      if (key.keyState === 'Disabled') awsError('DisabledException', `${key.arn} is disabled.`);
      if (key.keyState === 'PendingDeletion') awsError('KMSInvalidStateException', `${key.arn} is pending deletion.`);
      const wanted = JSON.stringify(Object.fromEntries(Object.entries(context).sort(([a], [b]) => a.localeCompare(b))));
      if (wanted !== JSON.stringify(parsed.context)) awsError('InvalidCiphertextException', '');
      return { KeyId: key.arn, Plaintext: new TextEncoder().encode('simulated plaintext'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    },
    DescribeKey: async ({ caller, region, input }) => {
      // DescribeKey also takes an alias name or alias ARN; GetKeyPolicy and PutKeyPolicy do not.
      const id = String(input.KeyId);
      const aliased = /(^|:)alias\//.test(id) ? this.resolveAlias(id, caller.accountId, region) : undefined;
      if (/(^|:)alias\//.test(id) && (!aliased || aliased.region !== region)) awsError('NotFoundException', `Alias ${id} is not found.`);
      const key = aliased ?? this.requireKey(input.KeyId, caller, region);
      await this.authorizeKey(caller, key, 'kms:DescribeKey', true);
      return { KeyMetadata: this.keyMetadata(key) };
    },
    GetKeyPolicy: async ({ caller, region, input }) => {
      const key = this.requireKey(input.KeyId, caller, region);
      await this.authorizeKey(caller, key, 'kms:GetKeyPolicy', false);
      if ((input.PolicyName ?? 'default') !== 'default') awsError('NotFoundException', `Policy ${String(input.PolicyName)} does not exist`);
      return { Policy: key.policy, PolicyName: 'default' };
    },
    ListKeyPolicies: async ({ caller, region, input }) => {
      const key = this.requireKey(input.KeyId, caller, region);
      await this.authorizeKey(caller, key, 'kms:ListKeyPolicies', false);
      return { PolicyNames: ['default'], Truncated: false };
    },
    PutKeyPolicy: async ({ caller, region, input }) => {
      const key = this.requireKey(input.KeyId, caller, region);
      await this.authorizeKey(caller, key, 'kms:PutKeyPolicy', false);
      if ((input.PolicyName ?? 'default') !== 'default') awsError('NotFoundException', `Policy ${String(input.PolicyName)} does not exist`);
      const bypass = input.BypassPolicyLockoutSafetyCheck === true;
      if (bypass) this.bypassLockoutCheckUsed = true;
      const text = String(input.Policy);
      await this.checkNewPolicy(caller, key, text, bypass);
      // CloudTrail's deliveries until now were made under the old policy (delivery.ts).
      this.world.cloudtrail.beforeChange({ keyArn: key.arn });
      key.policy = text;
      return {};
    },
    DisableKey: async ({ caller, region, input }) => {
      const key = this.requireKey(input.KeyId, caller, region);
      await this.authorizeKey(caller, key, 'kms:DisableKey', false);
      this.requireNotPendingDeletion(key);
      this.setState(key, 'Disabled');
      return {};
    },
    EnableKey: async ({ caller, region, input }) => {
      const key = this.requireKey(input.KeyId, caller, region);
      await this.authorizeKey(caller, key, 'kms:EnableKey', false);
      this.requireNotPendingDeletion(key);
      this.setState(key, 'Enabled');
      return {};
    },
    ScheduleKeyDeletion: async ({ caller, region, input }) => {
      const key = this.requireKey(input.KeyId, caller, region);
      const days = input.PendingWindowInDays ?? PENDING_WINDOW_DAYS.default;
      // kms:ScheduleKeyDeletionPendingWindowInDays lets a key policy limit the waiting period (API reference).
      await this.authorizeKey(caller, key, 'kms:ScheduleKeyDeletion', false, { 'kms:ScheduleKeyDeletionPendingWindowInDays': String(days) });
      if (!Number.isInteger(days) || days < PENDING_WINDOW_DAYS.min || days > PENDING_WINDOW_DAYS.max) {
        // The API reference names no error for a value outside 7-30: the common ValidationException,
        // worded like AWS's constraint messages.
        awsError('ValidationException', `1 validation error detected: Value '${days}' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value between ${PENDING_WINDOW_DAYS.min} and ${PENDING_WINDOW_DAYS.max}, inclusive`);
      }
      this.requireNotPendingDeletion(key);
      const deletionDate = new Date(this.world.now().getTime() + days * DAY_MS);
      this.setState(key, 'PendingDeletion', deletionDate);
      return { KeyId: key.arn, DeletionDate: deletionDate, KeyState: 'PendingDeletion', PendingWindowInDays: days };
    },
    CancelKeyDeletion: async ({ caller, region, input }) => {
      const key = this.requireKey(input.KeyId, caller, region);
      await this.authorizeKey(caller, key, 'kms:CancelKeyDeletion', false);
      if (key.keyState !== 'PendingDeletion') awsError('KMSInvalidStateException', `${key.arn} is not pending deletion.`);
      this.setState(key, 'Disabled');
      return { KeyId: key.arn };
    },
  } satisfies {
    Decrypt: OperationHandler<kms.DecryptCommandInput, kms.DecryptCommandOutput>;
    DescribeKey: OperationHandler<kms.DescribeKeyCommandInput, kms.DescribeKeyCommandOutput>;
    GetKeyPolicy: OperationHandler<kms.GetKeyPolicyCommandInput, kms.GetKeyPolicyCommandOutput>;
    ListKeyPolicies: OperationHandler<kms.ListKeyPoliciesCommandInput, kms.ListKeyPoliciesCommandOutput>;
    PutKeyPolicy: OperationHandler<kms.PutKeyPolicyCommandInput, kms.PutKeyPolicyCommandOutput>;
    DisableKey: OperationHandler<kms.DisableKeyCommandInput, kms.DisableKeyCommandOutput>;
    EnableKey: OperationHandler<kms.EnableKeyCommandInput, kms.EnableKeyCommandOutput>;
    ScheduleKeyDeletion: OperationHandler<kms.ScheduleKeyDeletionCommandInput, kms.ScheduleKeyDeletionCommandOutput>;
    CancelKeyDeletion: OperationHandler<kms.CancelKeyDeletionCommandInput, kms.CancelKeyDeletionCommandOutput>;
  };
}
