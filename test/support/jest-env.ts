// Tests never talk to AWS: dummy credentials and region, no instance metadata look-ups.
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_ACCESS_KEY_ID ??= 'test';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// CDK's built-in CloudFormation validation (as `cdk synth --no-validation`) took 17 s of CPU over
// the suites' synthesis; CI's synth steps (`npm run synth`, `npm run synth:example`, the consumer
// test's `cdk synth`) run it on every app we ship.
process.env.CDK_VALIDATION ??= 'false';
