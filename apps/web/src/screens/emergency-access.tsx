import { EMERGENCY_ACCESS_MINUTES, EMERGENCY_REASON_MIN_LENGTH } from '@sharedcare/client';
import { useState } from 'react';
import { useApp } from '../context';
import { FormDialog } from '../record/dialog';

/**
 * Break the glass: a clinician of the organisation without access to a client opens read-only
 * access for 60 minutes, giving a reason; it is audited as high severity and the care team is told.
 */
export function EmergencyAccess({ clientId, onOpened }: { clientId: string; onOpened: () => void }) {
  const { api } = useApp();
  const [open, setOpen] = useState(false);
  return (
    <div className="card emergency">
      <h2>Emergency access</h2>
      <p>
        If this client is in danger and you need their record now, you can open it read-only for{' '}
        {EMERGENCY_ACCESS_MINUTES} minutes. Your reason is recorded, audited as an emergency access and shown to the
        client’s care team.
      </p>
      <button type="button" className="danger" onClick={() => setOpen(true)}>
        Break the glass…
      </button>
      {open && (
        <FormDialog
          title="Open emergency access"
          submitLabel="Open emergency access"
          onCancel={() => setOpen(false)}
          action={async (data) => {
            await api.emergencyAccess(clientId, String(data.get('reason')).trim());
            setOpen(false);
            onOpened();
          }}
        >
          <p id="emergency-terms">
            Read-only, for {EMERGENCY_ACCESS_MINUTES} minutes. The care team is told who opened it and why.
          </p>
          <label htmlFor="emergency-reason">Reason (at least {EMERGENCY_REASON_MIN_LENGTH} characters)</label>
          <textarea
            id="emergency-reason"
            name="reason"
            required
            minLength={EMERGENCY_REASON_MIN_LENGTH}
            maxLength={1000}
            rows={3}
            aria-describedby="emergency-terms"
          />
        </FormDialog>
      )}
    </div>
  );
}
