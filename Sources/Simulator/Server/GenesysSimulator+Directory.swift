import Foundation
import Hummingbird
import SwitchboardCore

/// Directory endpoints: users, routing queues, queue members, with the platform's paging
/// (`pageSize` default 25, at most 500; `pageNumber` from 1).
extension GenesysSimulator {
    struct Page: Sendable {
        let size: Int
        let number: Int
    }

    static func page(_ request: Request) -> Result<Page, APIError> {
        let q = request.uri.queryParameters
        let size = q.get("pageSize").flatMap { Int($0) } ?? 25
        let number = q.get("pageNumber").flatMap { Int($0) } ?? 1
        guard (1...500).contains(size) else { return .failure(.badRequest("pageSize must be between 1 and 500.")) }
        guard number >= 1 else { return .failure(.badRequest("pageNumber must be 1 or more.")) }
        return .success(Page(size: size, number: number))
    }

    /// Writes `{entities:[…], pageSize, pageNumber, total, pageCount, …Uri}` for `total` items. With
    /// `counted: false` the listing has no `total`, `pageCount` or `lastUri` (as the platform's
    /// `QueueMemberEntityListing`): a client learns the end from a short page.
    static func writePage(_ w: inout JSONWriter, _ page: Page, total: Int, path: String, counted: Bool = true,
                          entity: (inout JSONWriter, Int) -> Void) {
        let pageCount = (total + page.size - 1) / page.size
        let from = (page.number - 1) * page.size
        w.object { w in
            w.array("entities") { w in
                if from < total { for i in from..<min(total, from + page.size) { entity(&w, i) } }
            }
            w.field("pageSize", page.size)
            w.field("pageNumber", page.number)
            if counted {
                w.field("total", total)
                w.field("pageCount", pageCount)
            }
            w.field("firstUri", "\(path)?pageSize=\(page.size)&pageNumber=1")
            w.field("selfUri", "\(path)?pageSize=\(page.size)&pageNumber=\(page.number)")
            if page.number < pageCount { w.field("nextUri", "\(path)?pageSize=\(page.size)&pageNumber=\(page.number + 1)") }
            if page.number > 1 { w.field("previousUri", "\(path)?pageSize=\(page.size)&pageNumber=\(page.number - 1)") }
            if counted { w.field("lastUri", "\(path)?pageSize=\(page.size)&pageNumber=\(max(1, pageCount))") }
        }
    }

    /// The `expand` values of a users request (`expand=a,b` and repeated `expand=`).
    static func expand(_ request: Request) -> Set<String> {
        Set(request.uri.queryParameters.getAll("expand").flatMap { $0.split(separator: ",").map(String.init) })
    }

    /// `User.employerInfo` as the platform has it: `{officialName, employeeId, employeeType, dateHire}`
    /// (`dateHire` `yyyy-MM-dd`). An agent without a hire date has an `employerInfo` without `dateHire`,
    /// or (every other such agent) none at all.
    static func writeEmployerInfo(_ w: inout JSONWriter, _ m: OrgModel, _ a: Int) {
        let agent = m.agents[a]
        guard agent.hireDay != nil || a % 2 == 0 else { return }
        w.object("employerInfo") { w in
            w.field("officialName", agent.name)
            w.field("employeeId", "\(m.org.uppercased())-\(10_001 + a)")
            w.field("employeeType", a % 7 == 3 ? "Part-time" : "Full-time")
            if let day = agent.hireDay { w.field("dateHire", CalendarDay.format(day)) }
        }
    }

    static func writeUser(_ w: inout JSONWriter, _ m: OrgModel, _ a: Int, expand: Set<String>) {
        writeUser(&w, m, a, presence: expand.contains("presence"), routing: expand.contains("routingStatus"),
                  employerInfo: expand.contains("employerInfo"))
    }

    static func writeUser(_ w: inout JSONWriter, _ m: OrgModel, _ a: Int, presence: Bool, routing: Bool,
                          employerInfo: Bool = false) {
        let agent = m.agents[a]
        w.object { w in
            w.field("id", agent.id)
            w.field("name", agent.name)
            w.object("division") { w in
                w.field("id", m.organizationID)
                w.field("name", "Home")
            }
            w.field("email", "agent\(a + 1)@\(m.org).example.com")
            w.field("username", "agent\(a + 1)@\(m.org).example.com")
            w.field("state", "active")
            w.field("version", agent.version)
            if presence {
                w.object("presence") { w in
                    m.writePresenceDefinition(&w, agent.presence)
                    w.field("modifiedDate", time: agent.presenceModified)
                }
            }
            if routing { m.writeRoutingStatus(&w, a) }
            if employerInfo { writeEmployerInfo(&w, m, a) }
            w.field("selfUri", "/api/v2/users/\(agent.id)")
        }
    }

    func addDirectoryRoutes(_ router: Router<SimRequestContext>) {
        router.get("/api/v2/users") { [self] request, _ in
            let expand = Self.expand(request)
            let page = Self.page(request)
            return await api(request) { [self] caller in
                page.map { page in
                    current(caller.org) { s -> [UInt8] in
                        var w = JSONWriter(capacity: 256 * page.size)
                        Self.writePage(&w, page, total: s.model.agents.count, path: "/api/v2/users") { w, a in
                            Self.writeUser(&w, s.model, a, expand: expand)
                        }
                        return w.bytes
                    }
                }.map { (.ok, $0) }
            }
        }
        router.get("/api/v2/users/:id") { [self] request, context in
            let id = context.parameters.get("id") ?? ""
            let expand = Self.expand(request)
            return await api(request) { [self] caller in
                current(caller.org) { s -> Result<[UInt8], APIError> in
                    guard let a = s.model.agentIndex[id] else { return .failure(.notFound("User \(id) not found.")) }
                    var w = JSONWriter()
                    Self.writeUser(&w, s.model, a, expand: expand)
                    return .success(w.bytes)
                }.map { (.ok, $0) }
            }
        }
        router.get("/api/v2/routing/queues") { [self] request, _ in
            let page = Self.page(request)
            return await api(request) { caller in
                page.map { page in
                    caller.org.with { s -> [UInt8] in
                        let m = s.model
                        var w = JSONWriter(capacity: 256 * page.size)
                        Self.writePage(&w, page, total: m.queues.count, path: "/api/v2/routing/queues") { w, q in
                            w.object { w in
                                w.field("id", m.queues[q].id)
                                w.field("name", m.queues[q].name)
                                m.writeQueueMediaSettings(&w, q)
                                w.object("division") { w in
                                    w.field("id", m.organizationID)
                                    w.field("name", "Home")
                                }
                                w.field("memberCount", m.queues[q].members.count)
                                w.field("userMemberCount", m.queues[q].members.count)
                                w.field("joinedMemberCount", m.queues[q].members.count)
                                w.object("acwSettings") { w in
                                    w.field("wrapupPrompt", plain: "MANDATORY_TIMEOUT")
                                    w.field("timeoutMs", 60_000)
                                }
                                w.field("selfUri", "/api/v2/routing/queues/\(m.queues[q].id)")
                            }
                        }
                        return w.bytes
                    }
                }.map { (.ok, $0) }
            }
        }
        router.get("/api/v2/routing/queues/:id/members") { [self] request, context in
            let id = context.parameters.get("id") ?? ""
            let page = Self.page(request)
            return await api(request) { caller in
                page.flatMap { page in
                    caller.org.with { s -> Result<[UInt8], APIError> in
                        let m = s.model
                        guard let q = m.queueIndex[id] else { return .failure(.notFound("Queue \(id) not found.")) }
                        let members = m.queues[q].members
                        var w = JSONWriter(capacity: 256 * page.size)
                        Self.writePage(&w, page, total: members.count, path: "/api/v2/routing/queues/\(id)/members",
                                       counted: false) { w, i in
                            let agent = m.agents[members[i]]
                            w.object { w in
                                w.field("id", agent.id)
                                w.field("name", agent.name)
                                w.object("user") { w in
                                    w.field("id", agent.id)
                                    w.field("name", agent.name)
                                    w.field("selfUri", "/api/v2/users/\(agent.id)")
                                }
                                w.field("ringNumber", 1)
                                w.field("joined", true)
                                w.field("memberBy", "user")
                                w.field("selfUri", "/api/v2/routing/queues/\(id)/members/\(agent.id)")
                            }
                        }
                        return .success(w.bytes)
                    }
                }.map { (.ok, $0) }
            }
        }
    }
}
