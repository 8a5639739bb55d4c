/**
 * Namespace-level checks: Pod Security Admission enforce label, NetworkPolicy coverage (any policy;
 * default-deny ingress and egress), and LimitRange / ResourceQuota presence. A check runs only when
 * the lists it needs were read; otherwise the output notes it did not run.
 */
import type { Evidence, Finding, ResourceRef, Scalar, Severity } from '../../model/types.ts';
import { stableId } from '../../util/hash.ts';
import { apiPath, type ObjectMeta } from '../rbac/kube-objects.ts';
import { WORKLOAD_RESOURCES, type NamespaceObj, type NetworkPolicyObj } from './model.ts';

export interface NamespaceCheckDef {
  id: string;
  title: string;
  severity: Severity;
  remediation: string;
}

export const NAMESPACE_CHECKS: readonly NamespaceCheckDef[] = [
  {
    id: 'workloads.namespace-psa',
    title: 'Pod Security Admission not enforcing baseline or restricted',
    severity: 'medium',
    remediation: 'Label the namespace pod-security.kubernetes.io/enforce=restricted (or baseline).',
  },
  {
    id: 'workloads.namespace-network-policy',
    title: 'Namespace without NetworkPolicy',
    severity: 'medium',
    remediation: 'Add NetworkPolicies, starting with a default-deny policy for ingress and egress.',
  },
  {
    id: 'workloads.namespace-default-deny',
    title: 'No default-deny NetworkPolicy for ingress or egress',
    severity: 'low',
    remediation: 'Add a policy with an empty podSelector, policyTypes [Ingress, Egress] and no rules.',
  },
  {
    id: 'workloads.namespace-resource-policy',
    title: 'LimitRange or ResourceQuota missing',
    severity: 'low',
    remediation: 'Add a ResourceQuota and a LimitRange to bound what the namespace can consume.',
  },
];

const PSA_ENFORCE = 'pod-security.kubernetes.io/enforce';

interface Inputs {
  namespaces: NamespaceObj[] | undefined;
  networkPolicies: NetworkPolicyObj[] | undefined;
  limitRanges: { meta: ObjectMeta }[] | undefined;
  resourceQuotas: { meta: ObjectMeta }[] | undefined;
}

export interface NamespaceResult {
  findings: Finding[];
  evidence: Evidence[];
  notes: string[];
  assessed: number;
  /** Rule ids that ran. */
  ran: Set<string>;
}

function countBy(list: { meta: ObjectMeta }[] | undefined): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of list ?? []) m.set(x.meta.namespace ?? '', (m.get(x.meta.namespace ?? '') ?? 0) + 1);
  return m;
}

export function analyzeNamespaces(
  inp: Inputs,
  systemNs: ReadonlySet<string>,
  collectedAt: string,
): NamespaceResult {
  const res: NamespaceResult = { findings: [], evidence: [], notes: [], assessed: 0, ran: new Set() };
  if (!inp.namespaces) {
    res.notes.push('Namespaces not read: namespace rules did not run.');
    return res;
  }
  res.assessed = inp.namespaces.length;
  const checks = new Map(NAMESPACE_CHECKS.map((c) => [c.id, c]));
  res.ran.add('workloads.namespace-psa');
  if (inp.networkPolicies) {
    res.ran.add('workloads.namespace-network-policy');
    res.ran.add('workloads.namespace-default-deny');
  } else res.notes.push('NetworkPolicies not read: network policy rules did not run.');
  if (inp.limitRanges && inp.resourceQuotas) res.ran.add('workloads.namespace-resource-policy');
  else res.notes.push('LimitRanges or ResourceQuotas not read: the resource policy rule did not run.');

  const policies = new Map<string, NetworkPolicyObj[]>();
  for (const p of inp.networkPolicies ?? []) {
    const ns = p.meta.namespace ?? '';
    const list = policies.get(ns);
    if (list) list.push(p);
    else policies.set(ns, [p]);
  }
  const limits = countBy(inp.limitRanges);
  const quotas = countBy(inp.resourceQuotas);

  // Namespaces without any policy fail namespace-network-policy; default-deny cannot be judged on them.
  let withoutPolicies = 0;
  const sorted = [...inp.namespaces].sort((a, b) =>
    a.meta.name < b.meta.name ? -1 : a.meta.name > b.meta.name ? 1 : 0,
  );
  for (const ns of sorted) {
    const name = ns.meta.name;
    const isSystem = systemNs.has(name);
    const fail = (
      ruleId: string,
      message: string,
      fields: { path: string; value: Scalar }[],
      props: Record<string, Scalar>,
    ): void => {
      const check = checks.get(ruleId) as NamespaceCheckDef;
      const path = apiPath(WORKLOAD_RESOURCES.namespaces, name);
      const evId = stableId('evidence', 'workloads', ruleId, path);
      res.evidence.push({
        id: evId,
        source: 'workloads',
        kind: 'api-object',
        collectedAt,
        locator: { apiPath: path },
        excerpt: { kind: 'Namespace', name, rule: ruleId, fields, ...props },
      });
      const resource: ResourceRef = { kind: 'Namespace', name };
      res.findings.push({
        id: stableId('finding', 'workloads', ruleId, '', 'Namespace', undefined, name),
        source: 'workloads',
        ruleId,
        title: check.title,
        status: 'fail',
        nativeStatus: 'fail',
        severity: check.severity,
        resource,
        message: `Namespace ${name}: ${message}.`,
        remediation: check.remediation,
        evidenceIds: [evId],
        properties: { systemNamespace: isSystem, ...props },
      });
    };

    const enforce = ns.meta.labels[PSA_ENFORCE];
    if (enforce !== 'baseline' && enforce !== 'restricted') {
      fail(
        'workloads.namespace-psa',
        enforce === undefined ? `no ${PSA_ENFORCE} label` : `${PSA_ENFORCE} is "${enforce}"`,
        [{ path: `metadata.labels[${PSA_ENFORCE}]`, value: enforce ?? null }],
        { enforce: enforce ?? null },
      );
    }
    if (inp.networkPolicies) {
      const list = policies.get(name) ?? [];
      if (list.length === 0) {
        fail('workloads.namespace-network-policy', 'no NetworkPolicy', [], { networkPolicies: 0 });
        withoutPolicies++;
      } else {
        const denyIn = list.some(
          (p) => p.selectsAll && p.policyTypes.includes('Ingress') && p.ingressRules === 0,
        );
        const denyOut = list.some(
          (p) => p.selectsAll && p.policyTypes.includes('Egress') && p.egressRules === 0,
        );
        if (!denyIn || !denyOut) {
          const missing = [denyIn ? '' : 'ingress', denyOut ? '' : 'egress'].filter(Boolean).join(' and ');
          fail('workloads.namespace-default-deny', `no default-deny NetworkPolicy for ${missing}`, [], {
            networkPolicies: list.length,
            defaultDenyIngress: denyIn,
            defaultDenyEgress: denyOut,
          });
        }
      }
    }
    if (inp.limitRanges && inp.resourceQuotas) {
      const lr = limits.get(name) ?? 0;
      const rq = quotas.get(name) ?? 0;
      if (lr === 0 || rq === 0) {
        const missing = [rq === 0 ? 'ResourceQuota' : '', lr === 0 ? 'LimitRange' : '']
          .filter(Boolean)
          .join(' and ');
        fail('workloads.namespace-resource-policy', `no ${missing}`, [], {
          limitRanges: lr,
          resourceQuotas: rq,
        });
      }
    }
  }
  if (withoutPolicies > 0) {
    // No PASS for default-deny while some namespace has no policy at all (it has no default deny either).
    res.ran.delete('workloads.namespace-default-deny');
    res.notes.push(
      `${withoutPolicies} namespace(s) have no NetworkPolicy: workloads.namespace-default-deny was judged only where policies exist and has no PASS.`,
    );
  }
  return res;
}
