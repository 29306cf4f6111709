// The consent vocabulary is part of the contract shared with clients (libs/contract).
export {
  ATTESTATION_METHODS,
  CONSENT_CATEGORIES,
  CONSENT_PURPOSES,
  CONSENT_STATUSES,
  EMERGENCY_ACCESS_MINUTES,
  EMERGENCY_REASON_MIN_LENGTH,
  isConsentCategory,
  REDISCLOSURE_NOTICE,
  withRedisclosureNotice,
  type AttestationMethod,
  type ConsentCategory,
  type ConsentPurpose,
  type ConsentStatus,
} from '@sharedcare/contract';
