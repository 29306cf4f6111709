import {
  ATTESTATION_METHODS,
  CONSENT_CATEGORIES,
  CONSENT_PURPOSES,
  type Consent,
  type ConsentCategory,
  type GrantConsentRequest,
} from '@sharedcare/client';
import { type FormEvent, useRef, useState } from 'react';
import type { ClientTabProps } from '../client-tabs';
import { describeError, useApp, useLoad, useProviderName } from '../context';
import { formatDate, formatDateTime, humanise } from '../format';
import { FormDialog } from '../record/dialog';

/** A consent lasts at most five years (42 CFR 2.31; the service refuses longer). */
const MAX_YEARS = 5;

const isoDay = (date: Date) => date.toISOString().slice(0, 10);
const yearsFromNow = (years: number) => {
  const date = new Date();
  date.setFullYear(date.getFullYear() + years);
  return date;
};

function ConsentStatus({ consent }: { consent: Consent }) {
  if (consent.status === 'active') {
    return (
      <>
        <span className="badge ok">Active</span> until {formatDate(consent.expiresAt)}
      </>
    );
  }
  if (consent.status === 'revoked') {
    return (
      <>
        <span className="badge danger">Revoked</span> {consent.revokedAt && formatDateTime(consent.revokedAt)}
        {consent.revocationReason && `: ${consent.revocationReason}`}
      </>
    );
  }
  return (
    <>
      <span className="badge neutral">Expired</span> {formatDate(consent.expiresAt)}
    </>
  );
}

/**
 * The client's consents, newest first, with their status; the care team records new ones (who may
 * receive, which categories, until when, how the client gave it) and revokes them with a reason.
 */
export function ConsentsTab({ client }: ClientTabProps) {
  const { api } = useApp();
  const name = useProviderName();
  const [consents, reload] = useLoad(() => api.consents(client.clientId), [api, client.clientId]);
  const careTeam = client.access === 'care_team';
  const [revoking, setRevoking] = useState<Consent>();
  const [announce, setAnnounce] = useState<string>();

  return (
    <div className="consents">
      <h2>Consents</h2>
      <p role="status">{announce}</p>
      {consents.status === 'loading' && <p>Loading consents…</p>}
      {consents.status === 'failed' && <p role="alert">Could not load the consents: {consents.error}</p>}
      {consents.status === 'ready' &&
        (consents.value.consents.length === 0 ? (
          <p>No consent on file: only the care team sees this client.</p>
        ) : (
          <table className="record-table">
            <caption>Consents on file, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col">Shared with</th>
                <th scope="col">Categories</th>
                <th scope="col">Purpose</th>
                <th scope="col">Given</th>
                {careTeam && <th scope="col">Action</th>}
              </tr>
            </thead>
            <tbody>
              {consents.value.consents.map((consent) => (
                <tr key={consent.consentId}>
                  <td>
                    <ConsentStatus consent={consent} />
                  </td>
                  <td>{consent.recipientIds.map(name).join(', ')}</td>
                  <td>{consent.categories.map(humanise).join(', ')}</td>
                  <td>{humanise(consent.purpose)}</td>
                  <td>
                    {formatDate(consent.effectiveFrom)}, {humanise(consent.attestation.method)} by{' '}
                    {consent.attestation.signerName}; recorded by {name(consent.attestation.recordedBy)}
                  </td>
                  {careTeam && (
                    <td>
                      {consent.status === 'active' && (
                        <button type="button" onClick={() => setRevoking(consent)}>
                          Revoke{' '}
                          <span className="visually-hidden">
                            consent for {consent.recipientIds.map(name).join(', ')}
                          </span>
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        ))}
      {revoking && (
        <RevokeDialog
          consent={revoking}
          onClose={(done) => {
            setRevoking(undefined);
            if (done) {
              setAnnounce('Consent revoked.');
              reload();
            }
          }}
        />
      )}
      {careTeam ? (
        <GrantForm
          clientId={client.clientId}
          onGranted={() => {
            setAnnounce('Consent recorded.');
            reload();
          }}
        />
      ) : (
        <p className="muted">Only the client’s care team records or revokes consent.</p>
      )}
    </div>
  );
}

function RevokeDialog({ consent, onClose }: { consent: Consent; onClose: (done: boolean) => void }) {
  const { api } = useApp();
  const name = useProviderName();
  return (
    <FormDialog
      title="Revoke consent"
      submitLabel="Revoke consent"
      onCancel={() => onClose(false)}
      action={async (data) => {
        await api.revokeConsent(consent.consentId, String(data.get('reason')).trim());
        onClose(true);
      }}
    >
      <p>
        {consent.recipientIds.map(name).join(', ')} will lose access to this client’s{' '}
        {consent.categories.map(humanise).join(', ').toLowerCase()} information at once, on every open page.
      </p>
      <label htmlFor="revoke-reason">Reason for revoking</label>
      <textarea id="revoke-reason" name="reason" required maxLength={500} rows={3} />
    </FormDialog>
  );
}

function GrantForm({ clientId, onGranted }: { clientId: string; onGranted: () => void }) {
  const { api, me, providers } = useApp();
  const [error, setError] = useState<string>();
  const form = useRef<HTMLFormElement>(null);
  const clinicians = [...providers.values()].filter(
    (provider) => provider.providerId !== me.providerId && provider.role !== 'admin' && provider.status !== 'disabled',
  );

  async function grant(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const recipientIds = data.getAll('recipient').map(String);
    const categories = data.getAll('category').map(String) as ConsentCategory[];
    if (recipientIds.length === 0 || categories.length === 0) {
      setError('Choose at least one clinician and one category.');
      return;
    }
    setError(undefined);
    const request: GrantConsentRequest = {
      recipientIds,
      categories,
      purpose: String(data.get('purpose')) as GrantConsentRequest['purpose'],
      // The end of the chosen day, in UTC.
      expiresAt: `${String(data.get('expires'))}T23:59:59Z`,
      attestation: {
        method: String(data.get('method')) as GrantConsentRequest['attestation']['method'],
        signerName: String(data.get('signer')).trim(),
      },
    };
    const notes = String(data.get('notes')).trim();
    if (notes) request.notes = notes;
    try {
      await api.grantConsent(clientId, request);
      form.current?.reset();
      onGranted();
    } catch (failure) {
      setError(describeError(failure));
    }
  }

  return (
    <form ref={form} className="card" onSubmit={(event) => void grant(event)} aria-labelledby="grant-title">
      <h3 id="grant-title">Record a consent</h3>
      <fieldset>
        <legend>Share with</legend>
        {clinicians.map((provider) => (
          <label key={provider.providerId} className="choice">
            <input type="checkbox" name="recipient" value={provider.providerId} />
            {provider.displayName} ({humanise(provider.role)})
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>Categories</legend>
        {CONSENT_CATEGORIES.map((category) => (
          <label key={category} className="choice">
            <input type="checkbox" name="category" value={category} />
            {humanise(category)}
            {category === 'substance_use' && ' (42 CFR Part 2: shared only when named here)'}
          </label>
        ))}
      </fieldset>
      <label htmlFor="consent-purpose">Purpose</label>
      <select id="consent-purpose" name="purpose" defaultValue="treatment">
        {CONSENT_PURPOSES.map((purpose) => (
          <option key={purpose} value={purpose}>
            {humanise(purpose)}
          </option>
        ))}
      </select>
      <label htmlFor="consent-expires">Expires on</label>
      <input
        id="consent-expires"
        name="expires"
        type="date"
        required
        min={isoDay(new Date())}
        max={isoDay(yearsFromNow(MAX_YEARS))}
        defaultValue={isoDay(yearsFromNow(1))}
      />
      <label htmlFor="consent-method">How the client gave it</label>
      <select id="consent-method" name="method" defaultValue="signature_on_file">
        {ATTESTATION_METHODS.map((method) => (
          <option key={method} value={method}>
            {humanise(method)}
          </option>
        ))}
      </select>
      <label htmlFor="consent-signer">Signed by (the client or their guardian)</label>
      <input id="consent-signer" name="signer" required maxLength={200} autoComplete="off" />
      <label htmlFor="consent-notes">Notes (optional)</label>
      <textarea id="consent-notes" name="notes" maxLength={2000} rows={2} />
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <button type="submit" className="primary">
        Record consent
      </button>
    </form>
  );
}
