/**
 * The operations sections of the configuration (prometheus, alerts, retention, privacy): the example file in
 * the repository loads and means what it says; every mistake is an error naming the rule and field; and the
 * server refuses to start on an invalid rule, in one sentence.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/schema.js';
import { runCli } from '../helpers/child-server.js';
import { tempDir } from '../helpers/test-server.js';

const EXAMPLE = fileURLToPath(new URL('../../../callpulse.config.example.yaml', import.meta.url));
const EXAMPLE_ENV = {
  SW_KEY_MAIN: 'key-main', SW_KEY_MAIN_OLD: 'key-main-old', ALERT_WEBHOOK_URL: 'https://hooks.example.com/callpulse',
  ALERT_WEBHOOK_AUTHORIZATION: 'Bearer hook-token', SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/secret',
};

describe('callpulse.config.example.yaml', () => {
  it('has every section of the configuration', () => {
    const sections = Object.keys(parseYaml(readFileSync(EXAMPLE, 'utf8')) as object).sort();
    assert.deepEqual(sections, ['alerts', 'database', 'ingest', 'logLevel', 'metrics', 'privacy', 'prometheus', 'retention', 'server', 'signalwire', 'wallboard'].sort());
  });

  it('loads, with its env:NAME references resolved, and means what its comments say', () => {
    const config = loadConfig({ config: EXAMPLE }, EXAMPLE_ENV);
    assert.deepEqual(config.signing.projects.get('b3877c40-da60-4998-90ad-b792e98472af'), ['key-main', 'key-main-old']);
    assert.deepEqual([config.signalwire.spaceUrl, config.signalwire.projectId], ['https://example.signalwire.com', 'b3877c40-da60-4998-90ad-b792e98472af']);
    assert.equal(config.prometheus.topNumbers, 20);
    assert.deepEqual(config.retention, { callsDays: 90, rollupsDays: 1095, runEveryMinutes: 60 });
    assert.deepEqual(config.privacy, { hashCallers: false, key: null });
    const { alerts } = config;
    assert.equal(alerts.evaluateEverySeconds, 60);
    assert.deepEqual(alerts.targets.map((t) => [t.name, t.url, t.format]), [
      ['ops', 'https://hooks.example.com/callpulse', 'json'],
      ['slack', 'https://hooks.slack.com/services/T0/B0/secret', 'slack'],
    ]);
    assert.deepEqual(alerts.targets[0]!.headers, { Authorization: 'Bearer hook-token' });
    assert.deepEqual(alerts.rules.map((r) => [r.name, r.metric, r.threshold, r.windowMinutes, r.per]), [
      ['low-success', 'successRate', 0.8, 15, 'number'],
      ['bad-audio', 'mosMean', 3.6, 30, 'overall'],
      ['choppy-audio', 'poorRate', 0.2, 30, 'overall'],
      ['dead-line', 'noCalls', null, 30, 'number'],
      ['surge', 'volume', 3, 60, 'overall'],
    ]);
    const deadLine = alerts.rules[3]!;
    assert.deepEqual(deadLine.numbers, ['+15551230000', '+15551230001']);
    // Monday to Saturday, 09:00 to 18:00 in Chicago (minutes after midnight).
    assert.deepEqual(deadLine.businessHours, { timeZone: 'America/Chicago', days: [0, 1, 2, 3, 4, 5], from: 540, to: 1080 });
    assert.equal(alerts.rules[0]!.cooldownMinutes, 30);
    assert.equal(alerts.rules[2]!.cooldownMinutes, 60);
    assert.deepEqual(alerts.rules[1]!.targets, ['ops', 'slack'], 'a rule without notify goes to every target');
    assert.equal(alerts.rules[4]!.weeks, 4);
    assert.ok(Object.isFrozen(alerts.rules[0]!.numbers) && Object.isFrozen(alerts.rules[3]!.businessHours));
  });

  it('privacy mode on: the key comes from its variable (and a disabled privacy section needs none)', () => {
    const text = readFileSync(EXAMPLE, 'utf8').replace('hashCallers: false', 'hashCallers: true');
    const { dir, cleanup } = tempDir();
    try {
      const path = join(dir, 'private.yaml');
      writeFileSync(path, text);
      assert.deepEqual(loadConfig({ config: path }, { ...EXAMPLE_ENV, CALLPULSE_PRIVACY_KEY: 'a-long-enough-secret' }).privacy, { hashCallers: true, key: 'a-long-enough-secret' });
      assert.throws(() => loadConfig({ config: path }, EXAMPLE_ENV), /^ConfigError: privacy\.key refers to environment variable CALLPULSE_PRIVACY_KEY, which is not set/);
    } finally {
      cleanup();
    }
  });
});

describe('operations settings: errors name the rule and field', () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);
  const target = 'alerts:\n  targets:\n    - { name: ops, url: "http://127.0.0.1:9/hook" }\n';
  const withRule = (rule: string): string => `${target}  rules:\n    - ${rule}\n`;
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    [withRule('{ name: r1, metric: sucessRate, below: 0.8 }'), {}, /^alerts\.rules\.r1\.metric must be one of successRate, mosMean, mosP10, poorRate, noCalls, volume, got "sucessRate"/],
    [withRule('{ name: r1, metric: successRate }'), {}, /^alerts\.rules\.r1\.below is required for a successRate rule/],
    [withRule('{ name: r1, metric: successRate, below: 80 }'), {}, /^alerts\.rules\.r1\.below must be a number from 0 to 1, got 80/],
    [withRule('{ name: r1, metric: successRate, above: 0.8 }'), {}, /^alerts\.rules\.r1\.above is not a setting of a successRate rule/],
    [withRule('{ name: r1, metric: mosP10, below: 6 }'), {}, /^alerts\.rules\.r1\.below must be a number from 1 to 5/],
    [withRule('{ name: r1, metric: poorRate, above: 0.2, minCalls: 0 }'), {}, /^alerts\.rules\.r1\.minCalls must be a whole number from 1/],
    [withRule('{ name: r1, metric: volume, above: 3, weeks: 13 }'), {}, /^alerts\.rules\.r1\.weeks must be a whole number from 1 to 12/],
    [withRule('{ name: r1, metric: noCalls }'), {}, /^alerts\.rules\.r1\.businessHours is required for a noCalls rule/],
    [withRule('{ name: r1, metric: noCalls, businessHours: { days: [mon], from: "18:00", to: "09:00" } }'), {}, /^alerts\.rules\.r1\.businessHours\.to must be after alerts\.rules\.r1\.businessHours\.from/],
    [withRule('{ name: r1, metric: noCalls, businessHours: { days: [mon, funday], from: "09:00", to: "18:00" } }'), {}, /^alerts\.rules\.r1\.businessHours\.days\[1\] must be a weekday/],
    [withRule('{ name: r1, metric: noCalls, businessHours: { days: [mon], from: "9h", to: "18:00" } }'), {}, /^alerts\.rules\.r1\.businessHours\.from must be a local time "HH:MM"/],
    [withRule('{ name: r1, metric: noCalls, windowMinutes: 600, businessHours: { days: [mon], from: "09:00", to: "18:00" } }'), {}, /^alerts\.rules\.r1\.windowMinutes must fit inside the business hours \(540 minutes a day\), got 600/],
    [withRule('{ name: r1, metric: noCalls, businessHours: { timeZone: Mars/Olympus, days: [mon], from: "09:00", to: "18:00" } }'), {}, /^alerts\.rules\.r1\.businessHours\.timeZone must be an IANA time zone name/],
    [withRule('{ name: r1, metric: successRate, below: 0.8, notify: [pager] }'), {}, /^alerts\.rules\.r1\.notify\[0\] must name a target of alerts\.targets \(ops\), got "pager"/],
    [withRule('{ name: r1, metric: successRate, below: 0.8, numbers: [+15551230000] }'), {}, /^alerts\.rules\.r1\.numbers\[0\] must be quoted/],
    [withRule('{ name: r1, metric: successRate, below: 0.8, per: account }'), {}, /^alerts\.rules\.r1\.per must be overall or number/],
    [withRule('{ name: "bad name", metric: successRate, below: 0.8 }'), {}, /^alerts\.rules\[0\]\.name must be letters, digits/],
    [withRule('{ metric: successRate, below: 0.8 }'), {}, /^alerts\.rules\[0\]\.name is required/],
    [`${target}  rules:\n    - { name: r1, metric: successRate, below: 0.8 }\n    - { name: r1, metric: mosMean, below: 3 }\n`, {}, /^alerts\.rules\[1\]\.name "r1" is used by another rule/],
    ['alerts:\n  rules:\n    - { name: r1, metric: successRate, below: 0.8 }\n', {}, /^alerts\.targets must list at least one webhook when rules are defined/],
    ['alerts:\n  targets:\n    - { name: ops, url: env:NOPE }\n', {}, /^alerts\.targets\[0\]\.url refers to environment variable NOPE, which is not set/],
    ['alerts:\n  targets:\n    - { name: ops, url: "ftp://x/y" }\n', {}, /^alerts\.targets\.ops\.url must be an http\(s\) URL/],
    ['alerts:\n  targets:\n    - { name: ops, url: "https://x/y", format: teams }\n', {}, /^alerts\.targets\.ops\.format must be one of json, slack, got "teams"/],
    ['alerts:\n  timeZone: Nowhere/Place\n', {}, /^alerts\.timeZone must be an IANA time zone name/],
    ['alerts:\n  rule: []\n', {}, /^alerts\.rule is not a known setting/],
    ['alerts:\n  delivery: { attempts: 0 }\n', {}, /^alerts\.delivery\.attempts must be a whole number from 1 to 100/],
    ['prometheus:\n  top: 3\n', {}, /^prometheus\.top is not a known setting/],
    ['prometheus:\n  topNumbers: -1\n', {}, /^prometheus\.topNumbers must be a whole number from 0 to 1000/],
    ['retention:\n  callsDays: 30\n  rollupsDays: 7\n', {}, /^retention\.rollupsDays must be at least retention\.callsDays \(30 days\)/],
    ['retention:\n  callsDays: -3\n', {}, /^retention\.callsDays must be a whole number from 0/],
    ['privacy:\n  hashCallers: true\n', {}, /^CALLPULSE_PRIVACY_KEY is not set/],
    ['privacy:\n  hashCallers: true\n', { CALLPULSE_PRIVACY_KEY: 'short' }, /^CALLPULSE_PRIVACY_KEY must be at least 16 characters/],
    ['privacy:\n  hashCallers: maybe\n', {}, /^privacy\.hashCallers must be true or false/],
  ];
  for (const [text, env, message] of cases) {
    it(message.source.replace(/\\/g, '').slice(1, 80), () => {
      const path = join(dir, 'bad.yaml');
      writeFileSync(path, text);
      assert.throws(() => loadConfig({ config: path }, env), (error: unknown) => {
        assert.ok(error instanceof ConfigError, String(error));
        assert.match(error.message, message);
        return true;
      });
    });
  }

  it('the server refuses to start on an invalid rule: one sentence naming the rule and field, exit 1', async () => {
    const path = join(dir, 'refused.yaml');
    writeFileSync(path, `${target}  rules:\n    - { name: dead-line, metric: noCalls, windowMinutes: 600, businessHours: { days: [mon], from: "09:00", to: "18:00" } }\n`);
    const result = await runCli(['serve', '--config', path, '--db', join(dir, 'refused.db'), '--port', '0']);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, 'callpulse serve: configuration error: alerts.rules.dead-line.windowMinutes must fit inside the business hours (540 minutes a day), got 600\n');
    assert.equal(result.stdout, '');
  });
});
