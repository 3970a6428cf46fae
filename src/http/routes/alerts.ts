/**
 * @module
 * `GET /api/v1/alerts`: the configured rules and the current state of every alert (each rule over all calls,
 * or per called number), as the evaluator last saved them: firing first. `state=firing` lists only those.
 */
import type { FastifyInstance } from 'fastify';
import type { AlertRule, AlertsConfig } from '../../config/alerts.js';
import { CallpulseError } from '../../domain/errors.js';
import type { CallStore } from '../../store/call-store.js';
import { single, type Query } from '../query-params.js';

/** The API's JSON form of a rule. */
export function ruleToJson(rule: AlertRule): Record<string, unknown> {
  const hours = rule.businessHours;
  const clock = (minutes: number): string => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
  return {
    name: rule.name,
    metric: rule.metric,
    threshold: rule.threshold,
    windowMinutes: rule.windowMinutes,
    minCalls: rule.minCalls,
    per: rule.per,
    numbers: rule.numbers,
    ...(rule.metric === 'volume' ? { weeks: rule.weeks } : {}),
    ...(hours ? { businessHours: { timeZone: hours.timeZone, days: hours.days.map((d) => ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'][d]), from: clock(hours.from), to: clock(hours.to) } } : {}),
    cooldownMinutes: rule.cooldownMinutes,
    notify: rule.targets,
  };
}

export function registerAlertRoutes(app: FastifyInstance, store: CallStore, config: AlertsConfig): void {
  app.get<{ Querystring: Query }>('/api/v1/alerts', async (request) => {
    const state = single(request.query, 'state');
    if (state !== undefined && state !== 'firing' && state !== 'all') {
      throw new CallpulseError('CP_ERR_PARAM_INVALID', `state must be firing or all, got "${state.slice(0, 20)}"`, [{ field: 'state', message: 'must be firing or all' }]);
    }
    const order = new Map(config.rules.map((rule, i) => [rule.name, i]));
    const alerts = (await store.listAlertStates())
      .filter((s) => order.has(s.rule) && (state !== 'firing' || s.firing))
      .sort((a, b) => Number(b.firing) - Number(a.firing) || order.get(a.rule)! - order.get(b.rule)! || a.subject.localeCompare(b.subject))
      .map((s) => ({
        rule: s.rule,
        number: s.subject === '' ? null : s.subject,
        state: s.firing ? 'firing' : 'ok',
        since: new Date(s.since).toISOString(),
        evaluatedAt: new Date(s.evaluatedAt).toISOString(),
        value: s.value,
        calls: s.calls,
        message: s.message,
        notified: s.notified,
      }));
    return { rules: config.rules.map(ruleToJson), alerts };
  });
}
