/** Fragments of templates as CDK synthesizes them, for tests that build or match templates by hand. */

/** A secret's ARN as CDK builds it from the secret's name: `arn:<partition>:secretsmanager:<region>:<account>:secret:<name><suffix>`. */
export function secretArnFromName(name: string, suffix = ''): unknown {
  return {
    'Fn::Join': [
      '',
      [
        'arn:',
        { Ref: 'AWS::Partition' },
        ':secretsmanager:',
        { Ref: 'AWS::Region' },
        ':',
        { Ref: 'AWS::AccountId' },
        `:secret:${name}${suffix}`,
      ],
    ],
  };
}

/** The integration URI CDK's LambdaIntegration writes for a function of the stack. */
export function lambdaIntegrationUri(functionId: string): unknown {
  return {
    'Fn::Join': [
      '',
      [
        'arn:',
        { Ref: 'AWS::Partition' },
        ':apigateway:',
        { Ref: 'AWS::Region' },
        ':lambda:path/2015-03-31/functions/',
        { 'Fn::GetAtt': [functionId, 'Arn'] },
        '/invocations',
      ],
    ],
  };
}
