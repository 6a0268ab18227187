/**
 * AWS errors of the simulation, and their conversion into the SDK's own exception objects.
 *
 * Service code throws `SimAwsError` with the name the SDK gives the error (`NoSuchEntityException`,
 * `Throttling`, `NoSuchBucketPolicy`, ...). The middleware turns it into exactly what the SDK's
 * deserializer would have produced for AWS's response: an instance of the class the client package
 * exports for a modelled error, otherwise the package's `XServiceException` base carrying the name.
 * test/local/sim/errors.test.ts feeds AWS-shaped error responses through the real deserializers
 * and checks that every entry below yields the same class and name.
 */
import * as cloudtrail from '@aws-sdk/client-cloudtrail';
import * as dynamodb from '@aws-sdk/client-dynamodb';
import * as eventbridge from '@aws-sdk/client-eventbridge';
import * as iam from '@aws-sdk/client-iam';
import * as kms from '@aws-sdk/client-kms';
import * as organizations from '@aws-sdk/client-organizations';
import * as s3 from '@aws-sdk/client-s3';
import * as sts from '@aws-sdk/client-sts';

/** The AWS services the simulation implements, by the short names used in the call log. */
export type SimService = 'iam' | 's3' | 'kms' | 'cloudtrail' | 'sts' | 'organizations' | 'dynamodb' | 'events';

/** All simulated services. */
export const SIM_SERVICES: readonly SimService[] = ['iam', 's3', 'kms', 'cloudtrail', 'sts', 'organizations', 'dynamodb', 'events'];

/** An AWS error raised by a simulated operation. `errorName` is the name the SDK exposes. */
export class SimAwsError extends Error {
  override readonly name = 'SimAwsError' as const;
  constructor(
    readonly errorName: string,
    message: string,
    /** Members of the error's shape the response body carries besides the message (Organizations' `Reason`). */
    readonly fields: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** Shorthand for `throw new SimAwsError(...)` in expression position. */
export function awsError(errorName: string, message: string, fields?: Readonly<Record<string, string>>): never {
  throw new SimAwsError(errorName, message, fields);
}

/** Wire protocol of a service: decides the extra fields the SDK puts on its exceptions. */
type Protocol = 'awsQuery' | 'restXml' | 'json';

/** One error a service can return: HTTP status and, for awsQuery, the `<Code>` on the wire. */
interface ErrorSpec {
  status: number;
  code?: string;
}

interface ServiceErrors {
  protocol: Protocol;
  module: Record<string, unknown>;
  base: new (options: never) => Error;
  /** Status of a name not listed (a client error). */
  defaultStatus: number;
  errors: Record<string, ErrorSpec>;
}

const q = (status: number, code?: string): ErrorSpec => ({ status, code });

/**
 * Every error name the simulation emits, with AWS's status codes. awsQuery services (IAM, STS) list
 * the wire code when the SDK name differs from it. JSON services (KMS, CloudTrail, Organizations,
 * DynamoDB) answer client errors with 400 whatever the model's query-compatibility code says, per
 * their API references' "HTTP Status Code: 400" entries (EventBridge too, InternalException 500:
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/CommonErrors.html).
 */
export const SERVICE_ERRORS: Record<SimService, ServiceErrors> = {
  iam: {
    protocol: 'awsQuery',
    module: iam,
    base: iam.IAMServiceException as never,
    defaultStatus: 400,
    errors: {
      NoSuchEntityException: q(404, 'NoSuchEntity'),
      EntityAlreadyExistsException: q(409, 'EntityAlreadyExists'),
      MalformedPolicyDocumentException: q(400, 'MalformedPolicyDocument'),
      LimitExceededException: q(409, 'LimitExceeded'),
      DeleteConflictException: q(409, 'DeleteConflict'),
      InvalidInputException: q(400, 'InvalidInput'),
      UnmodifiableEntityException: q(400, 'UnmodifiableEntity'),
      ConcurrentModificationException: q(409, 'ConcurrentModification'),
      ServiceFailureException: q(500, 'ServiceFailure'),
      Throttling: q(400),
      AccessDenied: q(403),
      InvalidClientTokenId: q(403),
      ExpiredToken: q(403),
      ValidationError: q(400),
      ServiceUnavailable: q(503),
    },
  },
  sts: {
    protocol: 'awsQuery',
    module: sts,
    base: sts.STSServiceException as never,
    defaultStatus: 400,
    errors: {
      AccessDenied: q(403),
      InvalidClientTokenId: q(403),
      ExpiredTokenException: q(400, 'ExpiredTokenException'),
      Throttling: q(400),
      ServiceUnavailable: q(503),
      ValidationError: q(400),
      MalformedPolicyDocumentException: q(400, 'MalformedPolicyDocument'),
      RegionDisabledException: q(403, 'RegionDisabledException'),
      // Session tags and policies over the packed-size limit (API_AssumeRole.html, Errors).
      PackedPolicyTooLargeException: q(400, 'PackedPolicyTooLarge'),
      // A parameter value STS refuses (duplicate session tag keys, an inherited transitive tag overridden: CommonErrors.html).
      InvalidParameterValue: q(400),
    },
  },
  s3: {
    protocol: 'restXml',
    module: s3,
    base: s3.S3ServiceException as never,
    defaultStatus: 400,
    errors: {
      NoSuchBucket: q(404),
      NoSuchBucketPolicy: q(404),
      // GetObject of a key that does not exist (API_GetObject.html).
      NoSuchKey: q(404),
      ServerSideEncryptionConfigurationNotFoundError: q(404),
      MalformedPolicy: q(400),
      PolicyTooLarge: q(400),
      AccessDenied: q(403),
      MethodNotAllowed: q(405),
      InvalidAccessKeyId: q(403),
      ExpiredToken: q(400),
      PermanentRedirect: q(301),
      SlowDown: q(503),
      InternalError: q(500),
      ServiceUnavailable: q(503),
      // HeadBucket answers with an empty body; the SDK names a 404 `NotFound` and a 403 `Unknown`.
      NotFound: q(404),
      Unknown: q(403),
    },
  },
  kms: {
    protocol: 'json',
    module: kms,
    base: kms.KMSServiceException as never,
    defaultStatus: 400,
    errors: {
      NotFoundException: q(400),
      MalformedPolicyDocumentException: q(400),
      LimitExceededException: q(400),
      AccessDeniedException: q(400),
      UnrecognizedClientException: q(400),
      ExpiredTokenException: q(400),
      ThrottlingException: q(400),
      InvalidArnException: q(400),
      UnsupportedOperationException: q(400),
      KMSInvalidStateException: q(400),
      // A cryptographic operation on a Disabled key ("DisabledException: <key ARN> is disabled.",
      // https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html).
      DisabledException: q(400),
      // Decrypt: the ciphertext or its encryption context is not what it was encrypted with; another key named (API_Decrypt.html).
      InvalidCiphertextException: q(400),
      IncorrectKeyException: q(400),
      ValidationException: q(400),
      KMSInternalException: q(500),
      DependencyTimeoutException: q(503),
    },
  },
  cloudtrail: {
    protocol: 'json',
    module: cloudtrail,
    base: cloudtrail.CloudTrailServiceException as never,
    defaultStatus: 400,
    errors: {
      TrailAlreadyExistsException: q(400),
      TrailNotFoundException: q(400),
      MaximumNumberOfTrailsExceededException: q(400),
      S3BucketDoesNotExistException: q(400),
      InsufficientS3BucketPolicyException: q(400),
      InsufficientEncryptionPolicyException: q(400),
      KmsKeyNotFoundException: q(400),
      KmsException: q(400),
      // PutEventSelectors with selectors or values that are not valid (API_PutEventSelectors.html).
      InvalidEventSelectorsException: q(400),
      InvalidTrailNameException: q(400),
      InvalidHomeRegionException: q(400),
      InvalidParameterException: q(400),
      InvalidParameterCombinationException: q(400),
      InvalidS3PrefixException: q(400),
      ResourceNotFoundException: q(400),
      CloudTrailARNInvalidException: q(400),
      TagsLimitExceededException: q(400),
      NotOrganizationMasterAccountException: q(400),
      // Organization trails and the CloudTrail delegated administrator (cloudtrail.ts): API_CreateTrail.html,
      // API_RegisterOrganizationDelegatedAdmin.html, API_DeregisterOrganizationDelegatedAdmin.html, all "HTTP Status Code: 400".
      OrganizationsNotInUseException: q(400),
      OrganizationNotInAllFeaturesModeException: q(400),
      CloudTrailAccessNotEnabledException: q(400),
      InsufficientDependencyServiceAccessPermissionException: q(400),
      NotOrganizationManagementAccountException: q(400),
      CannotDelegateManagementAccountException: q(400),
      AccountNotFoundException: q(400),
      AccountRegisteredException: q(400),
      AccountNotRegisteredException: q(400),
      DelegatedAdminAccountLimitExceededException: q(400),
      AccessDeniedException: q(400),
      UnrecognizedClientException: q(400),
      ExpiredTokenException: q(400),
      ThrottlingException: q(400),
      InternalFailure: q(500),
      ServiceUnavailable: q(503),
    },
  },
  organizations: {
    protocol: 'json',
    module: organizations,
    base: organizations.OrganizationsServiceException as never,
    defaultStatus: 400,
    // Every Organizations error is "HTTP Status Code: 400" in the API reference except ServiceException (500).
    // https://docs.aws.amazon.com/organizations/latest/APIReference/CommonErrors.html
    errors: {
      AccountNotFoundException: q(400),
      AccessDeniedException: q(400),
      AWSOrganizationsNotInUseException: q(400),
      ChildNotFoundException: q(400),
      DestinationParentNotFoundException: q(400),
      DuplicateAccountException: q(400),
      OrganizationalUnitNotFoundException: q(400),
      ParentNotFoundException: q(400),
      SourceParentNotFoundException: q(400),
      TooManyRequestsException: q(400),
      UnrecognizedClientException: q(400),
      ExpiredTokenException: q(400),
      InvalidInputException: q(400),
      // EnableAWSServiceAccess in an organization without all features (Reason ORGANIZATION_NOT_IN_ALL_FEATURES_MODE);
      // RemoveAccountFromOrganization, LeaveOrganization and CloseAccount refused (their Reasons: organizations.ts "Leaving").
      ConstraintViolationException: q(400),
      // CloseAccount of an account being closed, and of one closed; LeaveOrganization by the management account.
      ConflictException: q(400),
      AccountAlreadyClosedException: q(400),
      MasterCannotLeaveOrganizationException: q(400),
      ServiceException: q(500),
    },
  },
  events: {
    protocol: 'json',
    module: eventbridge,
    base: eventbridge.EventBridgeServiceException as never,
    defaultStatus: 400,
    errors: {
      ResourceNotFoundException: q(400),
      ResourceAlreadyExistsException: q(400),
      InvalidEventPatternException: q(400),
      LimitExceededException: q(400),
      PolicyLengthExceededException: q(400),
      ConcurrentModificationException: q(400),
      ManagedRuleException: q(400),
      IllegalStatusException: q(400),
      InvalidStateException: q(400),
      OperationDisabledException: q(400),
      // Not modelled by the SDK: the service exception base carries the name.
      ValidationException: q(400),
      AccessDeniedException: q(400),
      UnrecognizedClientException: q(400),
      ExpiredTokenException: q(400),
      ThrottlingException: q(400),
      InternalException: q(500),
    },
  },
  dynamodb: {
    protocol: 'json',
    module: dynamodb,
    base: dynamodb.DynamoDBServiceException as never,
    defaultStatus: 400,
    errors: {
      ProvisionedThroughputExceededException: q(400),
      ThrottlingException: q(400),
      AccessDeniedException: q(400),
      UnrecognizedClientException: q(400),
      ExpiredTokenException: q(400),
      InternalServerError: q(500),
    },
  },
};

/**
 * Resolves a name given by a caller (fault injection accepts both the SDK name and the awsQuery
 * wire code, e.g. `NoSuchEntity`) to the SDK name.
 */
export function canonicalErrorName(service: SimService, name: string): string {
  const table = SERVICE_ERRORS[service].errors;
  if (table[name]) return name;
  const byCode = Object.entries(table).find(([, spec]) => spec.code === name);
  return byCode ? byCode[0] : name;
}

/** HTTP status AWS answers `errorName` with. */
export function errorStatus(service: SimService, errorName: string): number {
  return SERVICE_ERRORS[service].errors[errorName]?.status ?? SERVICE_ERRORS[service].defaultStatus;
}

/** Builds the exception the SDK itself would throw for this error. */
export function toSdkException(service: SimService, error: SimAwsError, requestId: string): Error {
  const spec = SERVICE_ERRORS[service];
  const name = error.errorName;
  const status = errorStatus(service, name);
  const $fault = status >= 500 ? 'server' : 'client';
  const $metadata = { httpStatusCode: status, requestId };
  const Modelled = spec.module[name] as (new (options: object) => Error) | undefined;
  const isModelled = typeof Modelled === 'function' && Modelled.prototype instanceof spec.base;
  const exception = isModelled
    ? new Modelled({ message: error.message, $metadata, ...error.fields })
    : new (spec.base as unknown as new (options: object) => Error)({ name, $fault, $metadata, message: error.message });
  // The fields each protocol's deserializer copies from the error body onto the exception.
  const extra = exception as unknown as Record<string, unknown>;
  if (spec.protocol === 'awsQuery') {
    const code = spec.errors[name]?.code ?? name;
    const type = $fault === 'server' ? 'Receiver' : 'Sender';
    Object.assign(extra, { Type: type, Code: code, Error: { Type: type, Code: code, Message: error.message }, RequestId: requestId });
  } else if (spec.protocol === 'restXml') {
    // HEAD responses have no body, so HeadBucket's NotFound/Unknown carry no Code.
    if (name !== 'NotFound' && name !== 'Unknown') Object.assign(extra, { Code: name, RequestId: requestId });
  } else {
    extra.__type = name;
  }
  return exception;
}
