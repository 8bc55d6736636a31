#!/usr/bin/env node
// The dashboard's alert line as a model (no browser): loads common.js and model.js into a VM context and
// feeds alerts as the stream delivers them. Checks that a failing token renewal is a line of its own beside
// the connection's alert, that `upstream-recovered` leaves it and only `token-renewed` ends it, and that a
// snapshot forgets it (the hub replays the alerts in force right after). Prints one PASS/FAIL line.
'use strict';
const fs = require('fs');
const path = require('path');
const vm = require('vm');

const dir = path.join(__dirname, '..', '..', 'Sources', 'Hub', 'Dashboard');
const ctx = vm.createContext({ console, Date, Math, Map, Set, JSON, String, Number, Object, Array, RegExp });
for (const f of ['common.js', 'model.js']) vm.runInContext(fs.readFileSync(path.join(dir, f), 'utf8'), ctx, { filename: f });

const failures = [];
function lines() { return vm.runInContext('model.alerts.map(a => a.org + ":" + a.kind)', ctx).sort(); }
function expectLines(what, want) {
  const got = lines();
  if (JSON.stringify(got) !== JSON.stringify([...want].sort())) failures.push(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
}
function alert(kind, org, message) {
  ctx.__m = { type: 'alert', topic: 'org:' + org, kind, org, since: '2026-05-07T12:00:00.000Z', message: message || kind };
  vm.runInContext('onAlert(__m)', ctx);
}

alert('token-renewal-failed', 'us', 'token renewal failing (1 failed attempt; last: genesys.auth-failed, HTTP 401)');
expectLines('a failing renewal shows', ['us:token-renewal-failed']);
alert('token-renewal-failed', 'us');
expectLines('the same kind again is one line', ['us:token-renewal-failed']);
alert('upstream-disconnected', 'us');
alert('auth-failed', 'us');
expectLines('beside the connection\'s alert (one line for it)', ['us:auth-failed', 'us:token-renewal-failed']);
alert('upstream-recovered', 'us');
expectLines('a connection recovery leaves the token line', ['us:token-renewal-failed']);
alert('token-renewal-failed', 'emea');
alert('token-renewed', 'us');
expectLines('token-renewed ends the org\'s token line only', ['emea:token-renewal-failed']);
vm.runInContext('alertsBeforeSnapshot(null, { orgs: [{ id: "emea" }] })', ctx);
expectLines('a snapshot forgets the token line (the hub replays it)', []);
alert('eventstream-callback-mismatch', 'apac', 'the journey event stream\'s subscription is not bound to the live callback connection');
alert('upstream-disconnected', 'apac');
alert('upstream-recovered', 'apac');
expectLines('a connection recovery leaves the event stream line', ['apac:eventstream-callback-mismatch']);
alert('eventstream-callback-matched', 'apac');
expectLines('eventstream-callback-matched ends it', []);

if (failures.length) {
  console.log('alert-model-check: FAIL ' + failures.join('; '));
  process.exit(1);
}
console.log('alert-model-check: PASS');
