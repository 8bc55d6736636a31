#!/usr/bin/env python3
"""Extracts field names and JSON types of the Genesys Cloud SDK models the simulator serves.

Usage: extract-sdk-models.py <checkout of MyPureCloud/platform-client-sdk-python> [version label] > sdk-models.json

Reads build/PureCloudPlatformClientV2/models/*.py (generated from Genesys's OpenAPI spec):
`swagger_types` gives each attribute's type, `attribute_map` its JSON name, and a setter's
`allowed_values` its enum. Only the models in MODELS are written; a field referring to another
model keeps that model's name (SdkSchemaTests fails on a served object whose model is missing here).
"""
import ast, json, os, re, subprocess, sys

MODELS = [
    # Directory
    "UserEntityListing", "User", "Division", "UserPresence", "PresenceDefinition", "RoutingStatus", "EmployerInfo",
    "QueueEntityListing", "Queue", "AcwSettings", "QueueMediaSettings", "MediaSettings", "CallbackMediaSettings",
    "EmailMediaSettings", "MessageMediaSettings", "ServiceLevel", "QueueMemberEntityListing", "QueueMember", "UserReference",
    "Organization",
    # Notifications REST
    "Channel", "ChannelEntityListing", "ChannelTopicEntityListing", "ChannelTopic", "ErrorBody", "Detail",
    # Analytics
    "UserAggregateQueryResponse", "UserAggregateDataContainer", "StatisticalResponse", "AggregateMetricData",
    "AggregateViewData",
    "StatisticalSummary",
    "ConversationAggregateQueryResponse", "ConversationAggregateDataContainer",
    "QueueObservationQueryResponse", "QueueObservationDataContainer", "ObservationMetricData",
    "ObservationValue",
    "AnalyticsConversationQueryResponse", "AnalyticsConversationWithoutAttributes",
    "AnalyticsParticipantWithoutAttributes", "AnalyticsSession", "AnalyticsSessionMetric",
    "AnalyticsConversationSegment",
    "EvaluationAggregateQueryResponse", "EvaluationAggregateDataContainer",
    "AnalyticsUserDetailsQueryResponse", "AnalyticsUserDetail", "AnalyticsUserPresenceRecord",
    "AnalyticsRoutingStatusRecord",
    # Conversations REST (GET /api/v2/conversations/{id})
    "Conversation", "Participant", "Call", "Address", "Wrapup",
    # Quality
    "EvaluationFormResponseEntityListing", "EvaluationFormResponse",
    # Notification topics (notificationMappings.json)
    "AgentActivityChangedTopicAgentActivity", "AgentActivityChangedTopicRoutingStatus",
    "AgentActivityChangedTopicPresence", "AgentActivityChangedTopicOrganizationPresence",
    "AgentActivityChangedTopicOutOfOffice",
    "PresenceEventUserPresence", "PresenceEventOrganizationPresence",
    "UserRoutingStatusUserRoutingStatus", "UserRoutingStatusRoutingStatus",
    "ConversationEventTopicConversation", "ConversationEventTopicParticipant", "ConversationEventTopicWrapup",
    "ConversationEventTopicCall", "ConversationEventTopicAddress", "ConversationEventTopicTransferResponse",
    "ConversationEventTopicConversationDivisionMembership", "ConversationEventTopicDivisionEntityRef",
    "ConversationEventTopicDomainEntityRef",
    "QueueConversationEventTopicConversation", "QueueConversationEventTopicParticipant",
    "QueueConversationEventTopicWrapup", "QueueConversationEventTopicCall", "QueueConversationEventTopicAddress",
    "QueueConversationEventTopicTransferResponse", "QueueConversationEventTopicConversationDivisionMembership",
    "QueueConversationEventTopicDivisionEntityRef", "QueueConversationEventTopicDomainEntityRef",
    "StatEventQueueTopicStatsNotification", "StatEventQueueTopicIntervalMetrics", "StatEventQueueTopicMetricStats",
    "EvaluationQualityV2TopicEvaluationV2", "EvaluationQualityV2TopicUser",
    "SystemMessageSystemMessage",
    # Customer journeys: the queue topics' media variants (participant media) and the detail events
    "QueueConversationEventTopicCallback", "QueueConversationEventTopicChat", "QueueConversationEventTopicEmail",
    "QueueConversationEventTopicMessage",
    "CustomerStartDetailEventTopicCustomerStartEvent", "CustomerEndDetailEventTopicCustomerEndEvent",
    "AcdStartDetailEventTopicAcdStartEvent", "AcdEndDetailEventTopicAcdEndEvent",
    "UserStartDetailEventTopicUserStartEvent", "UserEndDetailEventTopicUserEndEvent",
    "AcwDetailEventTopicAfterCallWorkEvent", "WrapupDetailEventTopicWrapupEvent",
]

SCALARS = {"str": "string", "int": "integer", "float": "number", "bool": "boolean", "datetime": "datetime",
           "date": "date", "object": "any"}


def json_type(t):
    t = t.strip()
    if t in SCALARS:
        return SCALARS[t]
    m = re.fullmatch(r"list\[(.*)\]", t)
    if m:
        return "[" + json_type(m.group(1)) + "]"
    m = re.fullmatch(r"dict\(str, (.*)\)", t)
    if m:
        return "{" + json_type(m.group(1)) + "}"
    return t  # a model name


def parse(path):
    src = open(path).read()
    name = re.search(r"^class (\w+)\(object\)", src, re.M).group(1)
    types = ast.literal_eval(re.search(r"self\.swagger_types = (\{.*?\})\n", src, re.S).group(1))
    names = ast.literal_eval(re.search(r"self\.attribute_map = (\{.*?\})\n", src, re.S).group(1))
    enums = {}
    for m in re.finditer(r"@(\w+)\.setter\n(.*?)(?=\n    @property|\n    def to_dict)", src, re.S):
        v = re.search(r"allowed_values = (\[.*?\])", m.group(2))
        if v:
            enums[m.group(1)] = ast.literal_eval(v.group(1))
    fields = {}
    for attr, t in types.items():
        fields[names[attr]] = json_type(t)
        if attr in enums:
            fields[names[attr]] = {"type": fields[names[attr]], "enum": enums[attr]}
    return name, fields


def main():
    root = sys.argv[1]
    models_dir = os.path.join(root, "build/PureCloudPlatformClientV2/models")
    by_name = {}
    for f in sorted(os.listdir(models_dir)):
        if f.endswith(".py") and f != "__init__.py":
            with open(os.path.join(models_dir, f)) as fh:
                m = re.search(r"^class (\w+)\(object\)", fh.read(), re.M)
            if m:
                by_name[m.group(1)] = os.path.join(models_dir, f)
    missing = [m for m in MODELS if m not in by_name]
    if missing:
        sys.exit("not in the SDK: " + ", ".join(missing))
    commit = sys.argv[2] if len(sys.argv) > 2 else ""
    if not commit:
        try:
            commit = subprocess.run(["git", "-C", root, "log", "-1", "--format=%h %s"], capture_output=True,
                                    text=True).stdout.strip()
        except OSError:
            pass
    commit = commit or "unknown version"
    out = {"source": f"MyPureCloud/platform-client-sdk-python {commit}, build/PureCloudPlatformClientV2/models",
           "models": {}}
    for m in MODELS:
        name, fields = parse(by_name[m])
        out["models"][name] = fields
    json.dump(out, sys.stdout, indent=1, sort_keys=True, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
