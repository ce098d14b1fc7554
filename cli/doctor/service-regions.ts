/**
 * The commercial AWS regions the stack can be deployed to: those where the SES v2 API sends email
 * ("Amazon Simple Email Service endpoints and quotas", AWS General Reference, Service API endpoints)
 * and where Lambda runs arm64 functions, which the worker is ("Selecting and configuring an
 * instruction set architecture for your Lambda function"). Only part of this list could be checked
 * against those pages here (us-east-1/2, us-west-1/2, af-south-1, ap-south-1/2, ap-southeast-3,
 * ap-northeast-3); the rest follows AWS's regional service lists as last known, and newer regions
 * (ap-southeast-4, -5 and -7, ca-west-1, eu-south-2, mx-central-1 and others) are missing though
 * they may offer both. So a commercial region outside this list is a warning, and a problem only
 * when the SES v2 endpoint of the region does not exist (see ses-checks.ts).
 */
export const DEPLOYABLE_REGIONS: readonly string[] = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'af-south-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-south-1',
  'ap-south-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ca-central-1',
  'eu-central-1',
  'eu-central-2',
  'eu-north-1',
  'eu-south-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'il-central-1',
  'me-central-1',
  'me-south-1',
  'sa-east-1',
];

/** Regions outside the commercial partition (GovCloud, China, isolated): the doctor does not judge them. */
export function isCommercialRegion(region: string): boolean {
  return !/^(us-gov-|cn-|us-iso|eu-iso|eusc-)/.test(region);
}

/** The host name the SES v2 client calls in `region` (endpoint prefix `email`). */
export function sesEndpointHost(region: string): string {
  return `email.${region}.amazonaws.com`;
}

/** What to do in a region the stack cannot be deployed to. */
export function deployElsewhereFix(): string {
  return `deploy to one of ${DEPLOYABLE_REGIONS.join(', ')} (pass --region, or set AWS_REGION).`;
}
