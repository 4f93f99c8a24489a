import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';

/** Where to reach SQS and S3; empty in Lambda (the SDK's defaults), set for the local runtime. */
export interface AwsEndpoints {
  readonly region?: string;
  readonly sqsEndpoint?: string;
  readonly s3Endpoint?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** Builds the SQS and S3 clients once (at module scope in a handler). */
export function createAwsClients(endpoints: AwsEndpoints = {}): { sqs: SQSClient; s3: S3Client } {
  const common = {
    ...(endpoints.region ? { region: endpoints.region } : {}),
    ...(endpoints.credentials ? { credentials: endpoints.credentials } : {}),
  };
  return {
    sqs: new SQSClient({ ...common, ...(endpoints.sqsEndpoint ? { endpoint: endpoints.sqsEndpoint } : {}) }),
    s3: new S3Client({
      ...common,
      ...(endpoints.s3Endpoint ? { endpoint: endpoints.s3Endpoint, forcePathStyle: true } : {}),
    }),
  };
}
