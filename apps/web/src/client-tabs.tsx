import type { ClientDetail } from '@sharedcare/client';
import type { ReactNode } from 'react';
import { AccessReportTab } from './screens/access-report-tab';
import { ConsentsTab } from './screens/consents-tab';
import { MeasuresTab } from './screens/measures-tab';
import { SafetyPlanTab } from './screens/safety-plan-tab';
import { ThreadsTab } from './screens/threads-tab';

export interface ClientTabProps {
  client: ClientDetail;
  /** The route after the tab's own segment (#/clients/<id>/<tab>/...). */
  rest: string[];
}

/**
 * The client page's tabs, in order; the first is the default. Each is a route
 * (#/clients/<clientId>/<id>/...), so a tab can hold screens of its own (a thread, a version).
 */
export const CLIENT_TABS: { id: string; label: string; render: (props: ClientTabProps) => ReactNode }[] = [
  { id: 'threads', label: 'Consult threads', render: (props) => <ThreadsTab {...props} /> },
  { id: 'measures', label: 'Measures', render: (props) => <MeasuresTab {...props} /> },
  { id: 'safety-plan', label: 'Safety plan', render: (props) => <SafetyPlanTab {...props} /> },
  { id: 'consents', label: 'Consents', render: (props) => <ConsentsTab {...props} /> },
  { id: 'access-report', label: 'Access report', render: (props) => <AccessReportTab {...props} /> },
];
