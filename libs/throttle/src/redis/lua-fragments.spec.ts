import { ALGORITHMS } from '../algorithms/registry';
import { DECIDE_BATCH_SCRIPT } from './batch.script';
import { DECIDE_SCRIPT } from './decide.script';
import { REFUND_SCRIPT } from './refund.script';
import { WITHDRAW_SCRIPT } from './withdraw.script';

const SCRIPTS = { decide: DECIDE_SCRIPT, batch: DECIDE_BATCH_SCRIPT, refund: REFUND_SCRIPT, withdraw: WITHDRAW_SCRIPT };

describe('the scripts and the table of algorithms', () => {
  it.each(Object.entries(SCRIPTS))('%s: embeds every registered algorithm once, as one entry built on first use', (_name, script) => {
    for (const name of Object.keys(ALGORITHMS)) expect(script.split(`UNITS['${name}'] = function()\n`)).toHaveLength(2);
    expect(script.match(/^return \{$/gm)).toHaveLength(Object.keys(ALGORITHMS).length);
  });

  it.each(Object.entries(SCRIPTS))(
    '%s: touches only keys it was given in KEYS (through the entries, which take the key)',
    (_name, script) => {
      const calls = [...script.matchAll(/redis\.call\('(\w+)', ([^,)]+)/g)].filter(([, cmd]) => cmd !== 'TIME');
      expect(calls.length).toBeGreaterThan(0);
      for (const [, , key] of calls) expect(key).toBe('key');
      // Helpers and entry functions take `key` as their first parameter, or `call, key`.
      const fns = [...script.matchAll(/(?:function \w*|= function)\(([^)]*)\)/g)].map(([, params]) => params);
      for (const params of fns.filter((p) => p.includes('key'))) expect(params).toMatch(/^(call, )?key\b/);
      // The entries are called with a key of KEYS; the flush with a key the call recorded under (from KEYS).
      const entryCalls = [...script.matchAll(/\.(check|refund|withdraw)\((?:call, )?([^,)]+)/g)].map(([, , key]) => key);
      expect(entryCalls.length).toBeGreaterThan(0);
      for (const key of entryCalls) expect(key).toMatch(/^KEYS\[/);
      for (const [, from] of script.matchAll(/local key(?:, \w+)? = ([^\s,]+)/g)) expect(from).toMatch(/^(KEYS\[|call\.order\[i\])/);
    },
  );

  it.each(Object.entries(SCRIPTS))(
    '%s: formats big numbers with %%.0f, never tostring() (1.7e+15 would merge members)',
    (_name, script) => {
      expect(script).not.toMatch(/tostring\(/);
      expect(script).toContain("string.format('%.0f', now)");
    },
  );
});
