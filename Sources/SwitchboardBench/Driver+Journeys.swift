import Foundation

/// The `journeys` scenario (docs/performance.md "Journeys"): queue conversation snapshots and EventBridge batches
/// through the journeys path against a plain `JSONDecoder` decode of the same bytes in the same process (the
/// ratio is the figure; this machine is shared), and the live heap per open and per retained closed journey.
extension Driver {
    mutating func journeys() async {
        let taskset = FileManager.default.isExecutableFile(atPath: "/usr/bin/taskset") ? ["taskset", "-c", "0"] : []
        // 300 new customers a business minute: ≈ 2,400 customers with a contact in progress at the peak, ≈ 5
        // snapshot frames per 100 ms flush (a contact centre of a few thousand agents).
        let customers = quick ? 900 : 2400
        let rounds = 3
        let r = await child("journeys-ingest", ["--customers", "\(customers)", "--rounds", "\(rounds)",
                                                "--minutes", "\(customers / 300)"],
                            wrapper: taskset, timeout: 900)
        func v(_ k: String) -> Double { r[k] ?? -1 }
        func median(_ xs: [Double]) -> Double { xs.isEmpty ? -1 : xs.sorted()[xs.count / 2] }
        // Each round's ratio of two variants' CPU (passes of the same round ran minutes apart at most).
        func ratios(_ base: String, _ variant: String) -> [Double] {
            (0..<rounds).compactMap { i in
                guard let b = r["round\(i).\(base)"], let x = r["round\(i).\(variant)"], x > 0 else { return nil }
                return b / x
            }
        }
        let frames = v("frames"), batches = v("batches")
        let pathEvents = v("path.events"), ebEvents = v("ebDecoder.events")
        var cfg = ["customers": "\(customers) (2–4 contacts each across voice, chat, message, email, callback; 1 in 4 contacts transferred to a second queue)",
                   "frames": fmt(frames, 0), "bytesPerFrame": fmt(v("frameBytes"), 0),
                   "mappedEvents": fmt(pathEvents, 0), "newEvents": fmt(v("uniqueEvents"), 0),
                   "businessMinutes": fmt(v("businessSeconds") / 60, 1), "arrivals": "300 customers per business minute",
                   "flushes": fmt(v("path.flushes"), 0), "changesPublished": fmt(v("path.changes"), 0),
                   "openAtEnd": fmt(v("path.active"), 0), "closedAtEnd": fmt(v("path.retained"), 0),
                   "rounds": "\(rounds), variants interleaved, order rotated; process CPU of each pass, median",
                   "pinned": taskset.isEmpty ? "no" : "taskset -c 0",
                   "path": "NotificationNormalizer.normalize (JSONDecoder + JourneyMapper) → JourneyViewEngine.ingest → "
                       + "flush() every 100 ms of business time (ManualClock at each frame's time): stitch, figures, encode",
                   "baseline": "JSONDecoder of the same frames into the fields journeys read (PlainJourneyWire), nothing else",
                   "pathOverDecodeRounds": ratios("decode", "path").map { fmt($0, 3) }.joined(separator: ", "),
                   "normalizeOverDecodeRounds": ratios("decode", "normalize").map { fmt($0, 3) }.joined(separator: ", "),
                   "cpuMedianSeconds": ["decode", "normalize", "path"].map { "\($0) " + fmt(v("\($0).cpuMedian"), 3) }.joined(separator: ", ")]
        let pathCPU = v("path.cpuMedian"), decodeCPU = v("decode.cpuMedian")
        add("journeys", "snapshot frames/s, journeys path", frames / pathCPU, "frames/s", cfg)
        add("journeys", "events/s, journeys path (mapped, before duplicates)", pathEvents / pathCPU, "events/s", cfg)
        add("journeys", "snapshot frames/s, plain decode", frames / decodeCPU, "frames/s", cfg)
        add("journeys", "journeys path / plain decode (frames per CPU-second)", median(ratios("decode", "path")), "ratio", cfg)
        add("journeys", "normalize (decode + map) / plain decode", median(ratios("decode", "normalize")), "ratio", cfg)
        cfg["batches"] = fmt(batches, 0)
        cfg["eventsPerBatch"] = fmt(ebEvents / max(1, batches), 1)
        cfg["bytesPerBatch"] = fmt(v("batchBytes"), 0)
        cfg["path"] = "JourneyViewEngine.ingestEventBridge (key check, EventBridgeDecoder, first sightings, staging) → "
            + "flush() every 100 ms of business time"
        cfg["baseline"] = "JSONDecoder of the same bodies into the fields journeys read, nothing else"
        cfg["ebPathOverDecodeRounds"] = ratios("ebDecode", "ebPath").map { fmt($0, 3) }.joined(separator: ", ")
        cfg["cpuMedianSeconds"] = ["ebDecode", "ebDecoder", "ebPath"].map { "\($0) " + fmt(v("\($0).cpuMedian"), 3) }.joined(separator: ", ")
        for k in ["frames", "bytesPerFrame", "mappedEvents", "newEvents", "flushes", "changesPublished", "pathOverDecodeRounds",
                  "normalizeOverDecodeRounds"] { cfg[k] = nil }
        cfg["flushes"] = fmt(v("ebPath.flushes"), 0)
        cfg["refusedBodies"] = fmt(v("ebPath.refused"), 0)
        cfg["acceptedBodies"] = fmt(v("ebPath.accepted"), 0)
        let ebCPU = v("ebPath.cpuMedian")
        add("journeys", "EventBridge events/s, journeys path", ebEvents / ebCPU, "events/s", cfg)
        add("journeys", "EventBridge batches/s, journeys path", batches / ebCPU, "batches/s", cfg)
        add("journeys", "EventBridge path / plain decode (batches per CPU-second)", median(ratios("ebDecode", "ebPath")), "ratio", cfg)

        let steps = quick ? [1_000, 10_000] : [1_000, 10_000, 50_000]
        let m = await child("journeys-memory", ["--steps", steps.map(String.init).joined(separator: ",")], timeout: 900)
        let mcfg = ["method": "live heap (mallinfo2 in-use bytes, after malloc_trim) of a JourneyViewEngine (one org, default "
                        + "rules, maxClosed raised) minus before, ÷ journeys; events built directly as the mapper makes them; "
                        + "the sink counts and drops (the hub's copy of each journey's fragment is not included)",
                    "contacts": "2–4 per journey (voice, chat, message, email, callback); the last in progress while open",
                    "seenSet": "the stitcher's duplicate memory (2 keys per event) is part of it, capped at 200,000 keys per org"]
        for s in steps {
            var c = mcfg
            c["open"] = fmt(m["open\(s).active"] ?? -1, 0)
            c["contacts"] = fmt(m["open\(s).contacts"] ?? -1, 0)
            c["events"] = fmt(m["open\(s).events"] ?? -1, 0)
            c["heapDeltaMiB"] = fmt((m["open\(s).heapDelta"] ?? -1) / 1_048_576, 1)
            c["fragmentBytesPerJourney"] = fmt((m["open\(s).fragmentBytes"] ?? 0) / max(1, m["open\(s).fragments"] ?? 1), 0)
            add("journeys-memory", "heap per open journey, \(s) open", (m["open\(s).bytesPerJourney"] ?? -1) / 1024, "KiB", c)
        }
        var c = mcfg
        c["retained"] = fmt(m["closed.retained"] ?? -1, 0)
        c["stillOpen"] = fmt(m["closed.active"] ?? -1, 0)
        c["evicted"] = fmt(m["closed.evictions"] ?? -1, 0)
        c["heapDeltaMiB"] = fmt((m["closed.heapDelta"] ?? -1) / 1_048_576, 1)
        // The closed cache's byte cap (64 MiB of estimated size) may evict some: the figure is per journey kept.
        c["closed"] = "\(steps.last!)"
        add("journeys-memory", "heap per retained closed journey", (m["closed.bytesPerJourney"] ?? -1) / 1024, "KiB", c)
    }
}
