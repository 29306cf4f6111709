import type { SafetyPlanComparison, SafetyPlanItem, SafetyPlanNamedVersion } from '@sharedcare/client';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { describeError, useApp, useLoad, useProviderName } from '../context';
import { formatDate, formatDateTime } from '../format';

type Shown = { kind: 'version' | 'comparison'; version: SafetyPlanNamedVersion };

/** An item as one line: a contact's name and phone before its notes. */
function itemText(item: SafetyPlanItem): string {
  const contact = [item.name, item.phone].filter(Boolean).join(', ');
  return [contact, item.text].filter(Boolean).join(' — ') || '(empty)';
}

/** A heading that takes focus when it appears, so keyboard and screen-reader users land on what they opened. */
function FocusedHeading({ id, children }: { id: string; children: string }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <h4 id={id} ref={heading} tabIndex={-1}>
      {children}
    </h4>
  );
}

/**
 * The plan's named versions (`…/safety-plan/named-versions`): name the plan as it is saved now,
 * list the names, open one read-only, and compare one section by section with the current plan.
 * `round` moves when the stored plan changes, so an open comparison follows it.
 */
export function NamedVersions({
  clientId,
  canName,
  saved,
  round,
}: {
  clientId: string;
  /** The caller may edit the plan (naming a version needs `safety_plan.edit`). */
  canName: boolean;
  /** Every edit on this page is stored: a version named now includes them. */
  saved: boolean;
  round: number;
}) {
  const { api } = useApp();
  const name = useProviderName();
  const [list, reload] = useLoad(() => api.namedSafetyPlanVersions(clientId), [api, clientId]);
  const [shown, setShown] = useState<Shown>();
  const opener = useRef<HTMLElement | null>(null);
  const [error, setError] = useState<string>();
  const [named, setNamed] = useState<string>();
  const [busy, setBusy] = useState(false);

  function show(next: Shown) {
    opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    setShown(next);
  }

  function close() {
    setShown(undefined);
    opener.current?.focus();
  }

  async function nameVersion(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const label = String(new FormData(event.currentTarget).get('label')).trim();
    setBusy(true);
    setError(undefined);
    setNamed(undefined);
    try {
      const version = await api.nameSafetyPlanVersion(clientId, label);
      setNamed(version.label);
      reload();
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="plan-versions" aria-labelledby="plan-versions-heading">
      <h3 id="plan-versions-heading">Named versions</h3>
      {canName && (
        <form className="card" onSubmit={(event) => void nameVersion(event)} aria-labelledby="name-version-heading">
          <h4 id="name-version-heading">Name this version</h4>
          <label htmlFor="version-label">Label</label>
          <p id="version-label-help" className="muted">
            Names the plan as it is saved now, for example after going through it with the client.
          </p>
          <input
            id="version-label"
            name="label"
            required
            maxLength={200}
            autoComplete="off"
            aria-describedby="version-label-help"
            defaultValue={`Reviewed with the client on ${formatDate(new Date().toISOString())}`}
          />
          <button type="submit" className="primary" disabled={busy || !saved}>
            Name this version
          </button>
          {!saved && <span className="muted"> Waiting for your changes to be saved…</span>}
          <p role="status">{named ? `Named “${named}”.` : ''}</p>
          {error && (
            <p role="alert" className="error">
              Could not name it: {error}
            </p>
          )}
        </form>
      )}
      {list.status === 'failed' && <p role="alert">Could not load the named versions: {list.error}</p>}
      {list.status === 'ready' &&
        (list.value.versions.length === 0 ? (
          <p className="muted">No version has been named yet.</p>
        ) : (
          <table className="record-table">
            <caption className="visually-hidden">Named versions of the plan, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Label</th>
                <th scope="col">Named by</th>
                <th scope="col">When</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.value.versions.map((version) => (
                <tr key={version.id}>
                  <th scope="row">{version.label}</th>
                  <td>{name(version.authorId)}</td>
                  <td>{formatDateTime(version.createdAt)}</td>
                  <td>
                    <div className="version-actions">
                      <button type="button" onClick={() => show({ kind: 'version', version })}>
                        Open <span className="visually-hidden">“{version.label}”</span>
                      </button>
                      <button type="button" onClick={() => show({ kind: 'comparison', version })}>
                        Compare <span className="visually-hidden">“{version.label}”</span> with the current plan
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
      {shown?.kind === 'version' && <VersionView clientId={clientId} version={shown.version} onClose={close} />}
      {shown?.kind === 'comparison' && (
        <ComparisonView clientId={clientId} version={shown.version} round={round} onClose={close} />
      )}
    </section>
  );
}

function CloseButton({ onClose, what }: { onClose: () => void; what: string }) {
  return (
    <button type="button" onClick={onClose}>
      Close <span className="visually-hidden">{what}</span>
    </button>
  );
}

/** A named version as it was, read-only. */
function VersionView({
  clientId,
  version,
  onClose,
}: {
  clientId: string;
  version: SafetyPlanNamedVersion;
  onClose: () => void;
}) {
  const { api } = useApp();
  const name = useProviderName();
  const [plan] = useLoad(() => api.namedSafetyPlanVersion(clientId, version.id), [api, clientId, version.id]);
  const title = `“${version.label}”`;
  return (
    <section className="card plan-version" aria-labelledby="plan-version-heading">
      <FocusedHeading id="plan-version-heading">{`${title} (read-only)`}</FocusedHeading>
      <p className="muted">
        Named by {name(version.authorId)} on {formatDateTime(version.createdAt)}. This is the plan as it was then; it
        cannot be edited.
      </p>
      {plan.status === 'loading' && <p role="status">Loading the version…</p>}
      {plan.status === 'failed' && <p role="alert">Could not open it: {plan.error}</p>}
      {plan.status === 'ready' &&
        plan.value.sections.map((section, index) => (
          <div key={section.id} className="plan-version-section">
            <h5>
              {index + 1}. {section.heading}
            </h5>
            {section.items.length === 0 ? (
              <p className="muted">Nothing written here.</p>
            ) : (
              <ol>
                {section.items.map((item, position) => (
                  <li key={position}>{itemText(item)}</li>
                ))}
              </ol>
            )}
          </div>
        ))}
      <CloseButton onClose={onClose} what={title} />
    </section>
  );
}

type SectionChanges = SafetyPlanComparison['sections'][number];

function ItemList({ label, items, className }: { label: string; items: string[]; className: string }) {
  if (items.length === 0) return null;
  return (
    <>
      <p className="diff-label">
        <strong>
          {label} ({items.length})
        </strong>
      </p>
      <ul className={`diff ${className}`} aria-label={label}>
        {items.map((text, index) => (
          <li key={index}>{text}</li>
        ))}
      </ul>
    </>
  );
}

function SectionDiff({ section, position }: { section: SectionChanges; position: number }) {
  const changes = section.added.length + section.removed.length + section.changed.length;
  const headingId = `compare-${section.id}`;
  return (
    <section className="plan-diff-section" aria-labelledby={headingId}>
      <h5 id={headingId}>
        {position}. {section.heading}
      </h5>
      {changes === 0 ? (
        <p className="muted">
          No changes
          {section.unchanged > 0 && ` (${section.unchanged} ${section.unchanged === 1 ? 'item' : 'items'} the same)`}
        </p>
      ) : (
        <>
          <ItemList label="Added" className="diff-added" items={section.added.map(itemText)} />
          <ItemList label="Removed" className="diff-removed" items={section.removed.map(itemText)} />
          <ItemList
            label="Changed"
            className="diff-changed"
            items={section.changed.map(({ before, after }) => `Was: ${itemText(before)}. Now: ${itemText(after)}`)}
          />
          {section.unchanged > 0 && (
            <p className="muted">
              {section.unchanged} {section.unchanged === 1 ? 'item' : 'items'} the same
            </p>
          )}
        </>
      )}
    </section>
  );
}

/** A named version against the plan as stored now, section by section. */
function ComparisonView({
  clientId,
  version,
  round,
  onClose,
}: {
  clientId: string;
  version: SafetyPlanNamedVersion;
  round: number;
  onClose: () => void;
}) {
  const { api } = useApp();
  const [comparison] = useLoad(
    () => api.compareSafetyPlan(clientId, version.id, 'current'),
    [api, clientId, version.id, round],
  );
  const title = `“${version.label}” compared with the current plan`;
  const total =
    comparison.status === 'ready'
      ? comparison.value.sections.reduce((sum, s) => sum + s.added.length + s.removed.length + s.changed.length, 0)
      : 0;
  return (
    <section className="card plan-comparison" aria-labelledby="plan-comparison-heading">
      <FocusedHeading id="plan-comparison-heading">{title}</FocusedHeading>
      {comparison.status === 'loading' && <p role="status">Comparing…</p>}
      {comparison.status === 'failed' && <p role="alert">Could not compare: {comparison.error}</p>}
      {comparison.status === 'ready' && (
        <>
          <p>
            {total === 0
              ? 'The current plan is the same as this version.'
              : `${total} ${total === 1 ? 'change' : 'changes'} since this version (the current plan as saved).`}
          </p>
          {comparison.value.sections.map((section, index) => (
            <SectionDiff key={section.id} section={section} position={index + 1} />
          ))}
        </>
      )}
      <CloseButton onClose={onClose} what={title} />
    </section>
  );
}
