#!/usr/bin/env python3
"""Writes the seed corpora under Fuzz/Corpus/<target>/ from the test fixtures (JSON literals in the test
suites, which are the simulator's and the reference's shapes) and a few hand-made inputs. Run from the
repository root; the output is committed, so rerun only when a fixture changes. Small on purpose: a few
KB per target; libFuzzer grows its own working copy (scripts/fuzz.sh)."""
import base64, hashlib, hmac, json, os, re, struct, uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Fuzz", "Corpus")
MAX_BYTES = 6000  # per target, roughly

def literals(path, must=("{",)):
    """Raw string literals #"…"# in a Swift file, interpolations replaced with a plain id."""
    text = open(os.path.join(ROOT, path), encoding="utf-8").read()
    out = []
    for m in re.finditer(r'#"(.*?)"#', text):
        s = m.group(1)
        s = re.sub(r'\\#\([^()]*(\([^()]*\))?[^()]*\)', 'x1', s)
        s = re.sub(r'\\#u\{([0-9a-fA-F]+)\}', lambda g: chr(int(g.group(1), 16)), s)
        if all(k in s for k in must):
            out.append(s)
    return out

def write(target, items):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        os.remove(os.path.join(d, f))
    total = 0
    for item in items:
        data = item.encode("utf-8") if isinstance(item, str) else bytes(item)
        if total + len(data) > MAX_BYTES and total > 0:
            continue
        total += len(data)
        name = hashlib.sha1(data).hexdigest()[:16]
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)

# Notification frames: the differential tests' frames and the normalizer tests' frames.
frames = literals("Tests/NormalizerTests/FastPathDifferentialTests.swift", ("topicName",))
frames += literals("Tests/NormalizerTests/NotificationNormalizerTests.swift", ("topicName",))
frames += literals("Tests/NormalizerTests/TranscriptionNormalizerTests.swift", ("topicName",))
write("FuzzNotification", frames)

# REST bodies: selector byte (see FuzzRESTBodies/main.swift) + body.
rest = []
for s in literals("Tests/NormalizerTests/RESTNormalizerTests.swift"):
    sel = 0 if '"entities"' in s else (2 if '"results"' in s and "observations" in s else 3)
    rest.append(bytes([sel]) + s.encode())
    rest.append(bytes([1]) + s.encode())
for s in literals("Tests/NormalizerTests/QueueServiceNormalizerTests.swift"):
    rest.append(bytes([5]) + s.encode())
for s in literals("Tests/NormalizerTests/RESTNormalizerUserDetailsTests.swift"):
    rest.append(bytes([6]) + s.encode())
rest += [bytes([11]) + b'{"entities":[{"id":"u1"},{"id":"u2"}],"pageCount":3,"pageNumber":1}',
         bytes([12]) + b'{"entities":[{"id":"ch1","connectUri":"wss://x/ch1","expires":"2026-05-07T10:00:00Z"}]}',
         bytes([4]) + b'{"results":[{"group":{"userId":"u1"},"data":[{"interval":"2026-05-07T00:00:00.000Z/2026-05-08T00:00:00.000Z","metrics":[{"metric":"tTalk","stats":{"sum":1000,"count":1}}]}]}]}',
         bytes([7]) + b'{"conversations":[{"conversationId":"c1","participants":[]}],"totalHits":1}\x1e{"conversations":[]}',
         bytes([9]) + b'[{"userId":"u1","name":"A","evaluations":3,"average":88.5}]',
         bytes([10]) + b'{"entities":[{"id":"f1","name":"Form"}],"pageCount":1}',
         bytes([8]) + b'{"results":[{"group":{"userId":"u1","formId":"f1"},"data":[{"metrics":[{"metric":"oTotalScore","stats":{"sum":90,"count":1}}]}]}]}']
write("FuzzRESTBodies", rest)

# Orgs YAML: the example file (trimmed) and the config fixtures.
example = open(os.path.join(ROOT, "orgs.example.yaml"), encoding="utf-8").read()
config = [example[:3000], open(os.path.join(ROOT, "Tests/ConfigTests/Fixtures/many-mistakes.yaml"), encoding="utf-8").read()[:2000],
          "orgs:\n  - id: us\n    region: mypurecloud.com\n    clientId: abc\n    clientSecret: ${CLIENT_SECRET}\nauth:\n  jwt:\n    hs256Secret: ${SECRET}\n",
          "cluster:\n  database: postgres://sb:${SECRET}@[::1]:5432/switchboard?sslmode=require\n  replica: switchboard-1\n  leaseCheck: 2s\n  replicaTimeout: 10s\norgs:\n  - id: us\n    region: mypurecloud.com\n    clientId: abc\n    clientSecret: ${CLIENT_SECRET}\n"]
write("FuzzConfig", config)

# Hub client frames (docs/protocol.md).
write("FuzzHubClientFrame", [
    '{"op":"subscribe","topic":"global"}', '{"op":"subscribe","topic":"org:us","since":{"epoch":"e1","seq":41}}',
    '{"op":"unsubscribe","topic":"speech:us"}', '{"op":"ping","id":42}', '{"op":"ping","id":"a\\u00e9\\"b"}',
    '{"op":"auth","token":"abc.def.ghi"}', '{"op":"subscribe","topic":"journeys:global"}',
    'Bearer tok123access_token=tok456&x=1',
    '{"op":"subscribe","topic":"global","select":{"agents":["presence","stateSince","band"],"orgs":true}}',
    '{"op":"subscribe","topic":"global","select":{"occupancy":["today"],"agents":[]}}'])

# JWTs signed with the fuzz key (FuzzJWT/main.swift), and near misses.
def b64(d): return base64.urlsafe_b64encode(d).rstrip(b"=").decode()
def jwt(header, claims, key=b"fuzz-hs256-secret-0123456789abcdef-0123456789"):
    h = b64(json.dumps(header, separators=(",", ":")).encode()); c = b64(json.dumps(claims, separators=(",", ":")).encode())
    sig = b64(hmac.new(key, f"{h}.{c}".encode(), hashlib.sha256).digest())
    return f"{h}.{c}.{sig}"
write("FuzzJWT", [
    jwt({"alg": "HS256", "typ": "JWT"}, {"sub": "wall", "exp": 4102444800, "scope": "global org:us"}),
    jwt({"alg": "HS256"}, {"sub": "x", "exp": 1000, "scopes": ["admin"], "iat": 999, "nbf": 1}),
    jwt({"alg": "HS256"}, {"sub": "x", "exp": 4102444800, "aud": ["a", "b"], "iss": "me"}, key=b"wrong"),
    jwt({"alg": "RS256"}, {"exp": 4102444800}), jwt({"alg": "none"}, {"exp": 4102444800}), "static-token-value"])

# AudioHook messages (the test fixtures' shapes).
session, org, conv, part = ("30b0e395-84d3-4570-ac13-9a62d8f514c0", "d7934305-0972-4844-938e-9060eef73d05",
                            "090eaa2f-72fa-480a-83e0-8667ff89c0ec", "883efee8-3d6c-4537-b500-6d7ca4b92fa0")
offer = '[{"type":"audio","format":"PCMU","channels":["external","internal"],"rate":8000},{"type":"audio","format":"PCMU","channels":["external"],"rate":8000}]'
def ah(t, seq, params): return f'{{"version":"2","id":"{session}","type":"{t}","seq":{seq},"serverseq":1,"position":"PT1.5S","parameters":{params}}}'
write("FuzzAudioHookMessage", [
    f'{{"version":"2","id":"{session}","type":"open","seq":1,"serverseq":0,"position":"PT0S","parameters":{{"organizationId":"{org}","conversationId":"{conv}","participant":{{"id":"{part}","ani":"+1-555-555-1234","aniName":"John Doe","dnis":"+1-800-555-6789"}},"media":{offer},"language":"en-US"}}}}',
    ah("ping", 2, '{"rtt":"PT0.012S"}'), ah("resumed", 3, '{"start":"PT1.2S","discarded":"PT3S"}'),
    ah("close", 4, '{"reason":"end"}'), ah("error", 5, '{"code":500,"message":"x"}'), ah("paused", 6, '{}'),
    ah("update", 7, '{"language":"de-DE"}'), ah("discarded", 8, '{"start":"PT1S","discarded":"PT0.5S"}'),
    f'{{"version":"2","id":"{session}","type":"opened","seq":1,"clientseq":1,"parameters":{{"media":[{{"type":"audio","format":"PCMU","channels":["external","internal"],"rate":8000}}]}}}}'])

# A signed AudioHook upgrade (the same signing as AudioHookSignature.sign), and unsigned/malformed ones.
def sf_str(s): return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
def signed_request(created=1778150000, nonce="aGVsbG8td29ybGQtbm9uY2UtMTIzNDU2", api_key="fuzz-api-key",
                   secret="ZnV6ei1jbGllbnQtc2VjcmV0LWtleQ=="):
    target = "/audiohook/us?x=1"
    comps = [("@request-target", target), ("@authority", "bridge.example.com:8443"), ("audiohook-organization-id", org),
             ("audiohook-session-id", session), ("audiohook-correlation-id", "e160e428-53e2-487c-977d-96989bf5c99d"),
             ("x-api-key", api_key)]
    params = "(" + " ".join(sf_str(n) for n, _ in comps) + ")" + \
        f";keyid={sf_str(api_key)};nonce={sf_str(nonce)};alg=\"hmac-sha256\";created={created};expires={created + 30}"
    base = "\n".join(f"{sf_str(n)}: {v}" for n, v in comps) + f'\n"@signature-params": {params}'
    mac = base64.b64encode(hmac.new(base64.b64decode(secret), base.encode(), hashlib.sha256).digest()).decode()
    headers = [("Host", "bridge.example.com:8443"), ("Audiohook-Organization-Id", org), ("Audiohook-Session-Id", session),
               ("Audiohook-Correlation-Id", "e160e428-53e2-487c-977d-96989bf5c99d"), ("X-API-KEY", api_key),
               ("Signature-Input", f"sig1={params}"), ("Signature", f"sig1=:{mac}:")]
    return target + "\n" + "\n".join(f"{n}: {v}" for n, v in headers)
write("FuzzAudioHookSignature", [signed_request(), signed_request(nonce="short"), signed_request(created=1778140000),
                                 signed_request().replace("Signature-Input", "X-Other"),
                                 'sig1=("@method" "@path");created=1;keyid="k", sig2=:AAE=:;a=?1;b=1.5;c=tok/x*'])

# Seed Audio Connector: records (2-byte length, kind byte, body) — see FuzzSeedAudio/main.swift.
def rec(kind, body): b = bytes([kind]) + body; return struct.pack(">H", len(b)) + b
def frame(seq, index, last, payload, iid=uuid.UUID("11111111-2222-4333-8444-555555555555")):
    return bytes([1, 1 if last else 0]) + struct.pack(">H", index) + iid.bytes + struct.pack(">I", seq) + payload
opus = bytes([0x78]) + bytes(range(1, 40))  # a TOC byte (SILK WB 20 ms) and some payload
seed_messages = literals("Tests/AudioConnectorTests/SeedMessageTests.swift", ('"type"',))[:6]
write("FuzzSeedAudio", [
    rec(1, frame(0, 0, True, opus)) + rec(1, frame(1, 0, False, opus[:20])) + rec(1, frame(1, 1, True, opus[20:])) + rec(2, b"\x10"),
    rec(1, frame(3, 0, True, opus)) + rec(1, frame(2, 0, True, opus)) + rec(2, b"\xff\x01") + rec(4, b""),
    rec(3, b"{\"uri\":\"wss://audio.example.com/connector\",\"connectionId\":\"c1\",\"region\":\"us-east-1\",\"expiresIn\":300}"),
] + [rec(0, m.encode()) for m in seed_messages])

# Seed journey event stream frames.
write("FuzzEventStream", literals("Tests/EventStreamTests/EventStreamFrameTests.swift", ('"',)) + [
    '{"type":"event","subscriptionId":"sub-1","eventId":"us-evt-7","eventType":"transfer.initiated","timestamp":1770000000123,"payload":{"interactionId":"c-1","conversationId":"c-1","customerId":"+1 (202) 555-0143","customerIdType":"phone","channelType":"voice","queueId":"q-1","agentId":"a-1","transferTarget":{"channelType":"chat","queueId":"q-2"}}}',
    '{"id":"sub-1","state":"active","callbackUrl":"ws://h:1/cb","connectionId":"c9"}'])

# EventBridge deliveries (the tests' three events, alone and as a batch).
def eb(i, topic, detail, body):
    return ('{"version":"0","id":"%s","detail-type":"%s","source":"aws.partner/genesys.com/cloud/5d1f7c2e-0000-4000-8000-000000000001/switchboard",'
            '"account":"123456789012","time":"2026-03-19T22:04:48Z","region":"us-east-2","resources":[],'
            '"detail":{"topicName":"%s","version":"2","eventBody":%s,"metadata":{"CorrelationId":"c"},"timestamp":"2026-03-19T22:04:48.128Z"}}') % (i, detail, topic, body)
cv, q = "974ed10b-0000-4000-8000-0000000000c1", "3f1c0000-0000-4000-8000-0000000000a1"
ebs = [eb("e1", f"v2.detail.events.conversation.{cv}.customer.start", "v2.detail.events.conversation.{id}.customer.start",
          '{"eventTime":1790000000000,"conversationId":"%s","participantId":"p1","mediaType":"VOICE","direction":"INBOUND","ani":"tel:+15551230001"}' % cv),
       eb("e2", f"v2.routing.queues.{q}.conversations", "v2.routing.queues.{id}.conversations",
          '{"id":"%s","participants":[{"id":"p1","purpose":"customer","address":"tel:+15551230001","connectedTime":"2026-09-22T10:00:00.000Z","calls":[{"state":"connected"}]},{"id":"p2","purpose":"acd","queueId":"%s","connectedTime":"2026-09-22T10:00:01.000Z","calls":[{"state":"connected"}]}]}' % (cv, q)),
       eb("e3", f"v2.conversations.{cv}.transcription", "v2.conversations.{id}.transcription", '{"transcripts":[]}')]
write("FuzzEventBridge", ebs + ["[" + ",".join(ebs) + "]"])

# Transcript text.
write("FuzzSpeechText", ["I want to cancel my account, this is NOT good at all!!! :(",
                         "The agent was very helpful, thank you so much :)", "kind of okay, but I don't like it",
                         "解約したい 👍🏽 e\u0301 ß İ", "can I talk to your supervisor please?",
                         "good\t0.5\t0.7\t[1, 0]\nbad\t-2.5\t0.4\t[-2, -3]"])

# Rows of cluster_forwarded_audio (docs/scale-out.md, "AudioHook on any replica"): "SF", version 1, then JSON.
def fwd(speech, transcripts=()):
    return b"SF\x01" + json.dumps({"speech": list(speech), "transcripts": list(transcripts)},
                                   separators=(",", ":")).encode()
metrics = {"analysedMs": 4000, "silenceMs": 1000, "overtalkMs": 200, "longestSilenceMs": 800, "gapMs": 0,
           "customer": {"talkMs": 2000, "silenceMs": 2000, "overtalkMs": 100, "levelDbfs": -21.5},
           "agent": {"talkMs": 1500, "silenceMs": 2500, "overtalkMs": 100}}
opened = {"opened": {"_0": {"org": "emea", "session": "s-1", "conversationID": "c-1", "openedAt": 1790000000000,
                            "channels": ["customer", "agent"], "ani": "tel:+33100000000", "direction": "inbound"}}}
progress = {"progress": {"_0": {"org": "emea", "session": "s-1", "at": 1790000004000, "paused": False, "metrics": metrics}}}
ended = {"ended": {"_0": {"org": "emea", "session": "s-1", "at": 1790000009000, "reason": "completed", "metrics": metrics}}}
spotted = {"spotted": {"_0": {"org": "emea", "conversationID": "c-1", "channel": "customer", "phrase": "cancel my account",
                              "label": "churn-risk", "offsetMs": 3200, "score": 0.125, "at": 1790000003300}}}
utterance = {"utterance": {"_0": {"org": "emea", "conversationID": "c-1", "utteranceID": "u-1", "text": "déjà vu",
                                  "isFinal": True, "offsetMs": 0, "durationMs": 900, "confidence": 0.9, "at": 1790000001000}}}
tended = {"ended": {"_0": {"org": "emea", "conversationID": "c-1", "at": 1790000009000}}}
write("FuzzForwardedAudio", [fwd([opened, progress, ended], [spotted, utterance, tended]), fwd([opened]),
                             fwd([], [spotted]), fwd([progress, progress]), fwd([]), b"SF\x02{}"])
