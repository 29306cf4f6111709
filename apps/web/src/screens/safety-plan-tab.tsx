import type { ConsultSocket } from '@sharedcare/client';
import { CRISIS_LINE_ITEM, PLAN_LIMITS, PLAN_SECTIONS, type PlanSectionId } from '@sharedcare/safety-plan/document';
import { type FocusEvent, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import * as Y from 'yjs';
import type { ClientTabProps } from '../client-tabs';
import { describeError, useApp, useLoad, useProviderName } from '../context';
import { formatDateTime } from '../format';
import { NamedVersions } from '../safety-plan/named-versions';
import { type PlanItemMap, type PlanStatus, PlanSync } from '../safety-plan/plan-sync';

type PlanSection = (typeof PLAN_SECTIONS)[number];

const STATUS_TEXT: Record<PlanStatus, string> = {
  joining: 'Opening the plan…',
  saved: 'All changes saved',
  saving: 'Saving…',
  offline: 'Offline: your changes are kept on this page and saved when the connection returns',
  closed: 'Changes are not being saved',
};

/** Stable React keys for the plan's items (Y.Maps have no id of their own). */
const itemKeys = new WeakMap<PlanItemMap, string>();
let nextKey = 0;
function keyOf(item: PlanItemMap): string {
  let key = itemKeys.get(item);
  if (!key) itemKeys.set(item, (key = `item-${++nextKey}`));
  return key;
}

const isCrisisLine = (item: PlanItemMap) =>
  item.get('name') === CRISIS_LINE_ITEM.name && item.get('phone') === CRISIS_LINE_ITEM.phone;

/**
 * The client's safety plan, co-edited live, with who is editing which section, its named versions
 * and the change log.
 */
export function SafetyPlanTab({ client }: ClientTabProps) {
  const { live } = useApp();
  const socket = live.socket;
  if (!socket) return <p role="alert">Not connected to the service.</p>;
  // Emergency access is read-only; admins never see the plan (the service refuses them).
  const readOnly = client.access === 'emergency' || client.access === 'admin';
  return <PlanEditor key={client.clientId} socket={socket} clientId={client.clientId} readOnly={readOnly} />;
}

function PlanEditor({ socket, clientId, readOnly }: { socket: ConsultSocket; clientId: string; readOnly: boolean }) {
  const [sync] = useState(() => new PlanSync(socket, clientId));
  useEffect(() => {
    sync.start();
    return () => sync.stop();
  }, [sync]);
  useSyncExternalStore(sync.subscribe, sync.snapshot);
  // A new item's first field takes focus once it is on the page.
  const focusNext = useRef<string>(undefined);
  useEffect(() => {
    if (!focusNext.current) return;
    document.getElementById(focusNext.current)?.focus();
    focusNext.current = undefined;
  });

  const name = useProviderName();
  const editors = sync.editors();
  const sections = sync.sections;
  const ready = sections.size > 0;
  const locked = readOnly || sync.status === 'closed';

  function add(section: PlanSection) {
    const item: PlanItemMap = new Y.Map(
      Object.entries(section.contacts ? { name: '', phone: '', text: '' } : { text: '' }),
    );
    sync.edit((all) => all.get(section.id)?.push([item]));
    focusNext.current = `${keyOf(item)}-${section.contacts ? 'name' : 'text'}`;
  }

  function remove(section: PlanSection, item: PlanItemMap) {
    sync.edit((all) => {
      const items = all.get(section.id);
      const index = items?.toArray().indexOf(item) ?? -1;
      if (items && index >= 0) items.delete(index, 1);
    });
    document.getElementById(`add-${section.id}`)?.focus();
  }

  function leaving(event: FocusEvent<HTMLElement>) {
    if (!event.currentTarget.contains(event.relatedTarget as Node | null)) sync.setEditing(null);
  }

  return (
    <div className="safety-plan">
      <div className="plan-toolbar">
        <h2>Safety plan</h2>
        <PrintButton clientId={clientId} />
      </div>
      <p role="status" className={`plan-status plan-${sync.status}`}>
        {STATUS_TEXT[sync.status]}
        {editors.length > 0 && ` · Here now: ${editors.map((editor) => name(editor.providerId)).join(', ')}`}
      </p>
      {readOnly && <p>Your access is read-only: you can read the plan but not change it.</p>}
      {sync.problem && (
        <p role="alert" className="error">
          {sync.problem}
        </p>
      )}
      {ready &&
        PLAN_SECTIONS.map((section, index) => {
          const items = sections.get(section.id)?.toArray() ?? [];
          const here = editors.filter((editor) => editor.section === section.id);
          const full = items.length >= PLAN_LIMITS.itemsPerSection;
          return (
            <section
              key={section.id}
              className="card plan-section"
              aria-labelledby={`${section.id}-heading`}
              aria-describedby={`${section.id}-help`}
              onFocus={() => sync.setEditing(section.id)}
              onBlur={leaving}
            >
              <h3 id={`${section.id}-heading`}>
                {index + 1}. {section.heading}
              </h3>
              <p id={`${section.id}-help`} className="muted">
                {section.help}
              </p>
              {here.length > 0 && (
                <p className="presence">
                  <span className="badge info">
                    {here.map((editor) => name(editor.providerId)).join(', ')} editing this section
                  </span>
                </p>
              )}
              {items.length === 0 && <p className="muted">Nothing written here yet.</p>}
              <ol className="plan-items">
                {items.map((item, position) =>
                  isCrisisLine(item) ? (
                    <li key={keyOf(item)} className="plan-item crisis-line">
                      <strong>{CRISIS_LINE_ITEM.name}</strong> <span className="phone">{CRISIS_LINE_ITEM.phone}</span>
                      <br />
                      {CRISIS_LINE_ITEM.text}
                      <br />
                      <span className="muted">Always on the plan; it cannot be changed or removed.</span>
                    </li>
                  ) : (
                    <PlanItemRow
                      key={keyOf(item)}
                      section={section}
                      item={item}
                      position={position + 1}
                      onChange={(field, value) => sync.edit(() => item.set(field, value))}
                      onRemove={() => remove(section, item)}
                      locked={locked}
                    />
                  ),
                )}
              </ol>
              <button type="button" id={`add-${section.id}`} onClick={() => add(section)} disabled={full || locked}>
                Add <span className="visually-hidden">to {section.heading}</span>
              </button>
              {full && <span className="muted"> This section holds at most {PLAN_LIMITS.itemsPerSection} items.</span>}
            </section>
          );
        })}
      <NamedVersions clientId={clientId} canName={!locked} saved={sync.status === 'saved'} round={sync.storedChanges} />
      <ChangeLog clientId={clientId} round={sync.storedChanges} />
    </div>
  );
}

function PlanItemRow({
  section,
  item,
  position,
  onChange,
  onRemove,
  locked,
}: {
  section: PlanSection;
  item: PlanItemMap;
  position: number;
  onChange: (field: 'text' | 'name' | 'phone', value: string) => void;
  onRemove: () => void;
  locked: boolean;
}) {
  const key = keyOf(item);
  const where = `item ${position} of ${section.heading}`;
  const field = (id: 'text' | 'name' | 'phone', label: string, maxLength: number, multiline: boolean) => (
    <div className={`plan-field plan-field-${id}`}>
      <label htmlFor={`${key}-${id}`}>
        {label}
        <span className="visually-hidden">, {where}</span>
      </label>
      {multiline ? (
        <textarea
          id={`${key}-${id}`}
          rows={2}
          maxLength={maxLength}
          readOnly={locked}
          value={item.get(id) ?? ''}
          onChange={(event) => onChange(id, event.target.value)}
        />
      ) : (
        <input
          id={`${key}-${id}`}
          maxLength={maxLength}
          readOnly={locked}
          value={item.get(id) ?? ''}
          autoComplete="off"
          inputMode={id === 'phone' ? 'tel' : undefined}
          onChange={(event) => onChange(id, event.target.value)}
        />
      )}
    </div>
  );
  return (
    <li className="plan-item">
      {section.contacts && (
        <div className="row">
          {field('name', 'Name', PLAN_LIMITS.name, false)}
          {field('phone', 'Phone', PLAN_LIMITS.phone, false)}
        </div>
      )}
      {field('text', section.contacts ? 'Notes' : 'Text', PLAN_LIMITS.text, true)}
      <button type="button" onClick={onRemove} disabled={locked}>
        Remove <span className="visually-hidden">{where}</span>
      </button>
    </li>
  );
}

/**
 * The printable page (`GET …/safety-plan` as HTML). Tokens travel only in the Authorization
 * header, so a plain link cannot carry them: the page is fetched and opened from memory.
 */
function PrintButton({ clientId }: { clientId: string }) {
  const { session } = useApp();
  const [error, setError] = useState<string>();
  async function open() {
    setError(undefined);
    const tab = window.open('', '_blank');
    try {
      const response = await fetch(`/api/clients/${encodeURIComponent(clientId)}/safety-plan`, {
        headers: { accept: 'text/html', authorization: `Bearer ${session.accessToken() ?? ''}` },
        credentials: 'omit',
      });
      if (!response.ok) throw new Error(`the service answered ${response.status}`);
      const url = URL.createObjectURL(new Blob([await response.text()], { type: 'text/html' }));
      if (tab) tab.location.href = url;
      else window.location.assign(url);
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (failure) {
      tab?.close();
      setError(describeError(failure));
    }
  }
  return (
    <span>
      <button type="button" onClick={() => void open()}>
        Printable page for the client
      </button>
      {error && (
        <span role="alert" className="error">
          {' '}
          Could not open it: {error}
        </span>
      )}
    </span>
  );
}

const sectionHeading = (id: string) => PLAN_SECTIONS.find((section) => section.id === id)?.heading ?? id;

/** Who changed which sections, and when (`GET …/safety-plan/versions`), newest first. */
function ChangeLog({ clientId, round }: { clientId: string; round: number }) {
  const { api } = useApp();
  const name = useProviderName();
  const [log] = useLoad(() => api.safetyPlanVersions(clientId), [api, clientId, round]);
  return (
    <section className="plan-log" aria-labelledby="plan-log-heading">
      <h3 id="plan-log-heading">Changes</h3>
      {log.status === 'failed' && <p role="alert">Could not load the changes: {log.error}</p>}
      {log.status === 'ready' &&
        (log.value.changes.length === 0 ? (
          <p className="muted">No changes yet.</p>
        ) : (
          <table className="record-table">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Sections changed</th>
              </tr>
            </thead>
            <tbody>
              {log.value.changes.map((change) => (
                <tr key={change.seq}>
                  <td>{formatDateTime(change.createdAt)}</td>
                  <td>{name(change.authorId)}</td>
                  <td>{change.sections.map((id) => sectionHeading(id as PlanSectionId)).join('; ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
    </section>
  );
}
