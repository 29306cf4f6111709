import { useLive } from '../context';

const LABELS = {
  online: 'Connected',
  connecting: 'Connecting…',
  offline: 'Offline: messages wait and are sent when you reconnect',
} as const;

/** Always visible: whether what the user sends can reach the service now. */
export function ConnectionStatus() {
  const live = useLive();
  return (
    <span role="status" className={`connection connection-${live.connection}`} data-connection={live.connection}>
      <span aria-hidden="true" className="dot" />
      {LABELS[live.connection]}
    </span>
  );
}
