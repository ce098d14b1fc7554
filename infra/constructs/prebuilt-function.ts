import type * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { functionAssetDir, type PrebuiltFunction } from '../worker-asset';

/**
 * What every function of the construct shares: its prebuilt code (functions/<name> bundled with
 * the AWS SDK: synthesizing needs no bundler), Node.js 24 on arm64, X-Ray tracing, its own role and
 * log group. Each adds its description, memory, time limit and environment.
 */
export function prebuiltFunctionProps(
  name: PrebuiltFunction,
  role: iam.IRole,
  logGroup: logs.ILogGroup,
): Pick<lambda.FunctionProps, 'code' | 'handler' | 'runtime' | 'architecture' | 'tracing' | 'role' | 'logGroup'> {
  return {
    role,
    code: lambda.Code.fromAsset(functionAssetDir(name)),
    handler: 'index.handler',
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    tracing: lambda.Tracing.ACTIVE,
    logGroup,
  };
}
