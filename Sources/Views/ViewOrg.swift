import Foundation
import SwitchboardCore

/// An org as the views know it: id, display name and the time zone `today` is measured in.
public struct ViewOrg: Sendable, Equatable {
    public var id: OrgID
    public var name: String
    public var timeZone: TimeZone

    public init(id: OrgID, name: String, timeZone: TimeZone) {
        self.id = id
        self.name = name
        self.timeZone = timeZone
    }
}
