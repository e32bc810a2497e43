/* test_jsonrpc.c — JSON-RPC analyzer (MCP, A2A, other JSON-RPC) and A2A
 * agent cards, through the HTTP/1 dissector: table-driven messages, MCP
 * conversations over Streamable HTTP and the legacy HTTP+SSE transport
 * (every input split at every byte offset), and public captures. */
#include "rpc_fixture.h"

#include "analyzer.h"

/* The tables leave trailing fields implicit. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

/* ---- single messages, each in a POST body or a JSON response ---- */

struct rpc_case {
	const char *name;
	bool response;	     /* the body is a response's (else a POST's) */
	const char *headers; /* extra header lines of that message */
	const char *body;
	size_t n_rpc;
	uint8_t kind, protocol;
	const char *method, *id, *target, *arg_names;
	const char *peer, *peer_version, *protocol_version, *capabilities;
	const char *items; /* item names, comma-joined */
	const char *anomaly;
	const char *secret; /* must appear in no observation */
	void (*check)(const struct obs_log *log);
};

static void check_hints(const struct obs_log *log)
{
	const struct obs_rpc *r = rpc(log, 0);
	assert_int_equal(r->list, RPC_LIST_TOOLS);
	assert_int_equal(r->items[0].hints_set, RPC_HINT_READ_ONLY | RPC_HINT_OPEN_WORLD);
	assert_int_equal(r->items[0].hints, RPC_HINT_READ_ONLY);
	assert_int_equal(r->items[1].hints_set, RPC_HINT_DESTRUCTIVE | RPC_HINT_IDEMPOTENT);
	assert_int_equal(r->items[1].hints, RPC_HINT_DESTRUCTIVE | RPC_HINT_IDEMPOTENT);
	assert_int_equal(r->items[2].hints_set, 0);
	assert_int_equal(r->n_items_total, 3);
}

static void check_item_cap(const struct obs_log *log)
{
	const struct obs_rpc *r = rpc(log, 0);
	assert_int_equal(r->n_items, AS_OBS_MAX_ITEMS);
	assert_int_equal(r->n_items_total, AS_OBS_MAX_ITEMS + 12);
	assert_string_equal(r->items[AS_OBS_MAX_ITEMS - 1].name, "t47");
}

static void check_is_error(const struct obs_log *log)
{
	assert_true(rpc(log, 0)->is_error);
}

static void check_error(const struct obs_log *log)
{
	assert_int_equal(rpc(log, 0)->error_code, -32601);
	assert_string_equal(rpc(log, 0)->error_message, "Method not found");
}

static void check_batch(const struct obs_log *log)
{
	assert_true(rpc(log, 0)->batch);
	assert_true(rpc(log, 1)->batch);
	assert_string_equal(rpc(log, 1)->method, "notifications/initialized");
	assert_int_equal(rpc(log, 1)->kind, RPC_NOTIFICATION);
}

static void check_batch_cap(const struct obs_log *log)
{
	assert_int_equal(count_type(log, OBS_RPC), AS_RPC_MAX_BATCH);
	assert_string_equal(rpc(log, AS_RPC_MAX_BATCH - 1)->id, "63");
}

static void check_ping_session(const struct obs_log *log)
{
	assert_string_equal(rpc(log, 0)->session_id, "sess-1");
	assert_string_equal(rpc(log, 0)->protocol_header, "2025-06-18");
	assert_true(rpc(log, 0)->http.authorization);
}

static void check_discover(const struct obs_log *log)
{
	assert_string_equal(rpc(log, 0)->versions, "2025-11-25,2026-07-28");
}

static void check_input_required(const struct obs_log *log)
{
	assert_true(rpc(log, 0)->input_required);
	assert_string_equal(rpc(log, 0)->input_requests, "elicitation/create,roots/list");
}

static void check_input_response(const struct obs_log *log)
{
	assert_true(rpc(log, 0)->input_response);
}

static void check_from_headers(const struct obs_log *log)
{
	assert_true(rpc(log, 0)->from_headers);
	assert_string_equal(rpc(log, 0)->protocol_header, "2026-07-28");
}

static void check_a2a_headers(const struct obs_log *log)
{
	assert_string_equal(rpc(log, 0)->a2a_version, "1.0");
	assert_string_equal(rpc(log, 0)->a2a_extensions, "https://ext.example/a, https://ext.example/b");
}

static void check_controls(const struct obs_log *log)
{
	assert_string_equal(rpc(log, 0)->target, "a?b");
}

static char big_tools[8192];
static char big_batch[8192];

#define META                                                                                                 \
	"\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\",\"io.modelcontextprotocol/"   \
	"clientInfo\":{\"name\":\"release-copilot\",\"version\":\"2.0.0\",\"title\":\"Release "              \
	"Copilot\"},\"io.modelcontextprotocol/clientCapabilities\":{\"elicitation\":{\"form\":{}}}}"

static const struct rpc_case cases[] = {
    /* MCP lifecycle */
    {.name = "initialize request",
     .body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-"
	     "11-25\","
	     "\"capabilities\":{\"sampling\":{},\"roots\":{\"listChanged\":true},\"elicitation\":{}},"
	     "\"clientInfo\":{\"name\":\"claude-code\",\"version\":\"2.0.14\"}}}",
     .n_rpc = 1,
     .kind = RPC_REQUEST,
     .protocol = RPC_PROTO_MCP,
     .method = "initialize",
     .id = "1",
     .peer = "claude-code",
     .peer_version = "2.0.14",
     .protocol_version = "2025-11-25",
     .capabilities = "elicitation,roots,sampling"},
    {.name = "initialize result",
     .response = true,
     .headers = "Mcp-Session-Id: 1868a90c\r\n",
     .body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":"
	     "{\"tools\":{\"listChanged\":true},\"logging\":{},\"resources\":{}},\"serverInfo\":{\"name\":"
	     "\"corp-ops-mcp\",\"version\":\"2.3.1\"},\"instructions\":\"x\"}}",
     .n_rpc = 1,
     .kind = RPC_RESULT,
     .protocol = RPC_PROTO_MCP,
     .method = "initialize",
     .id = "1",
     .peer = "corp-ops-mcp",
     .peer_version = "2.3.1",
     .protocol_version = "2025-06-18",
     .capabilities = "logging,resources,tools"},
    {.name = "LSP initialize is not MCP",
     .body = "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"processId\":1,"
	     "\"rootUri\":null,"
	     "\"capabilities\":{},\"clientInfo\":{\"name\":\"vscode\"}}}",
     .n_rpc = 1,
     .kind = RPC_REQUEST,
     .protocol = RPC_PROTO_OTHER,
     .method = "initialize",
     .peer = ""},
    {.name = "initialized notification",
     .body = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
     .n_rpc = 1,
     .kind = RPC_NOTIFICATION,
     .protocol = RPC_PROTO_MCP,
     .method = "notifications/initialized",
     .id = ""},
    {.name = "ping alone is not MCP",
     .body = "{\"jsonrpc\":\"2.0\",\"id\":\"p1\",\"method\":\"ping\"}",
     .n_rpc = 1,
     .kind = RPC_REQUEST,
     .protocol = RPC_PROTO_OTHER,
     .method = "ping",
     .id = "p1"},
    {.name = "ping in an MCP session",
     .headers =
	 "Mcp-Session-Id: sess-1\r\nMCP-Protocol-Version: 2025-06-18\r\nAuthorization: Bearer tok-SECRET\r\n",
     .body = "{\"jsonrpc\":\"2.0\",\"id\":\"p1\",\"method\":\"ping\"}",
     .n_rpc = 1,
     .kind = RPC_REQUEST,
     .protocol = RPC_PROTO_MCP,
     .method = "ping",
     .secret = "tok-SECRET",
     .check = check_ping_session},
    {.name = "empty result in an MCP session",
     .response = true,
     .headers = "Mcp-Session-Id: sess-1\r\n",
     .body = "{\"jsonrpc\":\"2.0\",\"id\":\"p1\",\"result\":{}}",
     .n_rpc = 1,
     .kind = RPC_RESULT,
     .protocol = RPC_PROTO_MCP,
     .method = "",
     .id = "p1"},
    /* tools */
    {.name = "tools/list request",
     .body = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\",\"params\":{\"cursor\":\"c1\"}}",
     .n_rpc = 1,
     .kind = RPC_REQUEST,
     .protocol = RPC_PROTO_MCP,
     .method = "tools/list",
     .id = "2"},
    {.name = "tools/list result with annotations",
     .response = true,
     .body =
	 "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"tools\":[{\"name\":\"read_file\",\"inputSchema\":{},"
	 "\"annotations\":{\"readOnlyHint\":true,\"openWorldHint\":false}},{\"name\":\"delete_record\","
	 "\"annotations\":{\"destructiveHint\":true,\"idempotentHint\":true,\"title\":\"Delete\"}},"
	 "{\"name\":\"bad\\u0001name\"}],\"nextCursor\":\"x\"}}",
     .n_rpc = 1,
     .kind = RPC_RESULT,
     .protocol = RPC_PROTO_MCP,
     .method = "tools/list",
     .items = "read_file,delete_record,bad?name",
     .check = check_hints},
    {.name = "tools/list result over the item cap",
     .response = true,
     .body = big_tools,
     .n_rpc = 1,
     .kind = RPC_RESULT,
     .protocol = RPC_PROTO_MCP,
     .method = "tools/list",
     .anomaly = "items_over_cap",
     .check = check_item_cap},
    {.name = "tools/call request: argument names, never values",
     .body =
	 "{\"jsonrpc\":\"2.0\",\"id\":\"c-9\",\"method\":\"tools/call\",\"params\":{\"name\":\"send_email\","
	 "\"arguments\":{\"to\":\"ceo@example.com\",\"body\":\"VALUE-SECRET\",\"subject\":\"x\"}}}",
     .n_rpc = 1,
     .kind = RPC_REQUEST,
     .protocol = RPC_PROTO_MCP,
     .method = "tools/call",
     .id = "c-9",
     .target = "send_email",
     .arg_names = "body,subject,to",
     .secret = "VALUE-SECRET"},
    {.name = "tools/call result with isError",
     .response = true,
     .body = "{\"jsonrpc\":\"2.0\",\"id\":\"c-9\",\"result\":{\"content\":[{\"type\":\"text\",\"text\":"
	     "\"RESULT-TEXT\"}],"
	     "\"isError\":true}}",
     .n_rpc = 1,
     .kind = RPC_RESULT,
     .protocol = RPC_PROTO_MCP,
     .method = "tools/call",
     .secret = "RESULT-TEXT",
     .check = check_is_error},
    /* resources, prompts, completion, logging */
    {.name = "resources/list result",
     .response = true,
     .body = "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"resources\":[{\"uri\":\"db://users/"
	     "schema\",\"name\":\"Users\"},"
	     "{\"uri\":\"file:///etc/app.conf\",\"name\":\"Config\"}]}}",
     .n_rpc = 1,
     .kind = RPC_RESULT,
     .protocol = RPC_PROTO_MCP,
     .method = "resources/list",
     .items = "db://users/schema,file:///etc/app.conf"},
    {.name = "resources/templates/list result",
     .response = true,
     .body = "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"resourceTemplates\":[{\"uriTemplate\":\"file:///"
	     "{path}\"}]}}",
     .n_rpc = 1,
     .kind = RPC_RESULT,
     .protocol = RPC_PROTO_MCP,
     .method = "resources/templates/list",
     .items = "file:///{path}"},
    {.name = "resources/read request",
     .body = "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"resources/read\",\"params\":{\"uri\":\"db://users/"
	     "schema\"}}",
     .n_rpc = 1,
     .kind = RPC_REQUEST,
     .protocol = RPC_PROTO_MCP,
     .method = "resources/read",
     .target = "db://users/schema"},
    {.name = "resources/read result",
     .response = true,
     .body = "{\"jsonrpc\":\"2.0\",\"id\":4,\"result\":{\"contents\":[{\"uri\":\"db://users/"
	     "schema\",\"text\":\"T\"}]}}",
     .n_rpc = 1,
     .kind = RPC_RESULT,
     .protocol = RPC_PROTO_MCP,
     .method = "resources/read",
     .target = "db://users/schema"},
    {.name = "prompts/list result",
     .response = true,
     .body = "{\"jsonrpc\":\"2.0\",\"id\":5,\"result\":{\"prompts\":[{\"name\":\"summarize\"},{\"name\":"
	     "\"review\"}]}}",
     .n_rpc = 1,
     .kind = RPC_RESULT,
     .protocol = RPC_PROTO_MCP,
     .method = "prompts/list",
     .items = "summarize,review"},
    {.name = "prompts/get request",
     .body = "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"prompts/get\",\"params\":{\"name\":\"summarize\","
	     "\"arguments\":{\"text\":\"t\",\"lang\":\"en\"}}}",
     .n_rpc = 1,
     .kind = RPC_REQUEST,
     .protocol = RPC_PROTO_MCP,
     .method = "prompts/get",
     .target = "summarize",
     .arg_names = "lang,text"},
    {.name = "prompts/get result",
     .response = true,
     .body =
	 "{\"jsonrpc\":\"2.0\",\"id\":6,\"result\":{\"description\":\"d\",\"messages\":[{\"role\":\"user\","
	 "\"content\":{\"type\":\"text\",\"text\":\"hi\"}}]}}",
     .n_rpc = 1,
     .kind = RPC_RESULT,
     .protocol = RPC_PROTO_MCP,
     .method = "prompts/get"},
    {.name = "completion/complete",
     .body = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"completion/complete\",\"params\":{\"ref\":{\"type\":"
	     "\"ref/prompt\",\"name\":\"review\"},\"argument\":{\"name\":\"lang\",\"value\":\"py\"}}}",
     .n_rpc = 1,
     .kind = RPC_REQUEST,
     .protocol = RPC_PROTO_MCP,
     .method = "completion/complete",
     .target = "review",
     .arg_names = "lang"},
    {.name = "logging/setLevel",
     .body =
	 "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"logging/setLevel\",\"params\":{\"level\":\"debug\"}}",
     .n_rpc = 1,
     .kind = RPC_REQUEST,
     .protocol = RPC_PROTO_MCP,
     .method = "logging/setLevel",
     .target = "debug"},
    /* server -> client requests, and the client's results */
    {.name = "sampling/createMessage from the server",
     .response = true,
     .body =
	 "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"sampling/createMessage\",\"params\":{\"messages\":[],"
	 "\"modelPreferences\":{\"hints\":[{\"name\":\"claude-3-sonnet\"}]},\"maxTokens\":100}}",
     .n_rpc = 1,
     .kind = RPC_REQUEST,
     .protocol = RPC_PROTO_MCP,
     .method = "sampling/createMessage",
     .target = "claude-3-sonnet"},
    {.name = "sampling result from the client",
     .body =
	 "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"role\":\"assistant\",\"content\":{\"type\":\"text\","
	 "\"text\":\"x\"},\"model\":\"claude-sonnet-4-5\",\"stopReason\":\"endTurn\"}}",
     .n_rpc = 1,
     .kind = RPC_RESULT,
     .protocol = RPC_PROTO_MCP,
     .method = "sampling/createMessage",
     .target = "claude-sonnet-4-5"},
    {.name = "elicitation/create from the server",
     .response = true,
     .body = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"elicitation/create\",\"params\":{\"message\":\"m\","
	     "\"requestedSchema\":{\"type\":\"object\",\"properties\":{\"email\":{},\"name\":{}}}}}",
     .n_rpc = 1,
     .kind = RPC_REQUEST,
     .protocol = RPC_PROTO_MCP,
     .method = "elicitation/create",
     .arg_names = "email,name"},
    {.name = "elicitation result",
     .body = "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"action\":\"decline\"}}",
     .n_rpc = 1,
     .kind = RPC_RESULT,
     .protocol = RPC_PROTO_MCP,
     .method = "elicitation/create",
     .target = "decline"},
    {.name = "roots/list from the server",
     .response = true,
     .body = "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"roots/list\"}",
     .n_rpc = 1,
     .kind = RPC_REQUEST,
     .protocol = RPC_PROTO_MCP,
     .method = "roots/list"},
    {.name = "roots/list result",
     .body = "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"roots\":[{\"uri\":\"file:///home/u/"
	     "proj\",\"name\":\"p\"}]}}",
     .n_rpc = 1,
     .kind = RPC_RESULT,
     .protocol = RPC_PROTO_MCP,
     .method = "roots/list",
     .items = "file:///home/u/proj"},
    {.name = "list_changed notification",
     .response = true,
     .body = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/tools/list_changed\"}",
     .n_rpc = 1,
     .kind = RPC_NOTIFICATION,
     .protocol = RPC_PROTO_MCP,
     .method = "notifications/tools/list_changed"},
    {.name = "MCP tasks/get (taskId)",
     .body = "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tasks/get\",\"params\":{\"taskId\":\"t-1\"}}",
     .n_rpc = 1,
     .kind = RPC_REQUEST,
     .protocol = RPC_PROTO_MCP,
     .method = "tasks/get",
     .target = "t-1"},
    /* errors, batches, ids */
    {.name = "error response",
     .response = true,
     .body = "{\"jsonrpc\":\"2.0\",\"id\":10,\"error\":{\"code\":-32601,\"message\":\"Method not found\"}}",
     .n_rpc = 1,
     .kind = RPC_ERROR,
     .protocol = RPC_PROTO_OTHER,
     .id = "10",
     .check = check_error},
    {.name = "batch",
     .body = "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"},"
	     "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}]",
     .n_rpc = 2,
     .kind = RPC_REQUEST,
     .protocol = RPC_PROTO_MCP,
     .method = "tools/list",
     .check = check_batch},
    {.name = "batch over the cap",
     .body = big_batch,
     .n_rpc = AS_RPC_MAX_BATCH,
     .kind = RPC_REQUEST,
     .protocol = RPC_PROTO_MCP,
     .anomaly = "batch_over_cap",
     .check = check_batch_cap},
    {.name = "control bytes in a name are replaced",
     .body = "{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"resources/read\",\"params\":{\"uri\":\"a\\nb\"}}",
     .n_rpc = 1,
     .kind = RPC_REQUEST,
     .protocol = RPC_PROTO_MCP,
     .id = "1.5",
     .check = check_controls},
    /* A2A */
    {.name = "A2A message/send",
     .body =
	 "{\"jsonrpc\":\"2.0\",\"id\":\"a1\",\"method\":\"message/send\",\"params\":{\"message\":{\"role\":"
	 "\"user\",\"messageId\":\"m1\",\"kind\":\"message\",\"parts\":[{\"kind\":\"text\",\"text\":\"TEXT-"
	 "SECRET\"},"
	 "{\"kind\":\"file\",\"file\":{}}]}}}",
     .n_rpc = 1,
     .kind = RPC_REQUEST,
     .protocol = RPC_PROTO_A2A,
     .method = "message/send",
     .arg_names = "file,text",
     .secret = "TEXT-SECRET"},
    {.name = "A2A task result",
     .response = true,
     .body = "{\"jsonrpc\":\"2.0\",\"id\":\"a1\",\"result\":{\"kind\":\"task\",\"id\":\"task-7\","
	     "\"contextId\":\"c\","
	     "\"status\":{\"state\":\"submitted\"}}}",
     .n_rpc = 1,
     .kind = RPC_RESULT,
     .protocol = RPC_PROTO_A2A,
     .method = "",
     .target = "task-7"},
    {.name = "A2A message/stream status-update",
     .response = true,
     .body =
	 "{\"jsonrpc\":\"2.0\",\"id\":\"a2\",\"result\":{\"kind\":\"status-update\",\"taskId\":\"task-7\","
	 "\"status\":{\"state\":\"working\"},\"final\":false}}",
     .n_rpc = 1,
     .kind = RPC_RESULT,
     .protocol = RPC_PROTO_A2A,
     .method = "message/stream",
     .target = "task-7"},
    {.name = "A2A tasks/get (id)",
     .body = "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tasks/"
	     "get\",\"params\":{\"id\":\"task-7\",\"historyLength\":2}}",
     .n_rpc = 1,
     .kind = RPC_REQUEST,
     .protocol = RPC_PROTO_A2A,
     .method = "tasks/get",
     .target = "task-7"},
    {.name = "A2A tasks/cancel",
     .body = "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tasks/cancel\",\"params\":{\"id\":\"task-7\"}}",
     .n_rpc = 1,
     .kind = RPC_REQUEST,
     .protocol = RPC_PROTO_A2A,
     .method = "tasks/cancel",
     .target = "task-7"},
    {.name = "A2A tasks/resubscribe",
     .body = "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tasks/resubscribe\",\"params\":{\"id\":\"task-7\"}}",
     .n_rpc = 1,
     .kind = RPC_REQUEST,
     .protocol = RPC_PROTO_A2A,
     .method = "tasks/resubscribe"},
    {.name = "A2A tasks/pushNotificationConfig/set",
     .body = "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tasks/pushNotificationConfig/"
	     "set\",\"params\":{\"taskId\":"
	     "\"task-7\",\"pushNotificationConfig\":{\"url\":\"https://cb.example/h\"}}}",
     .n_rpc = 1,
     .kind = RPC_REQUEST,
     .protocol = RPC_PROTO_A2A,
     .method = "tasks/pushNotificationConfig/set",
     .target = "task-7"},
    {.name = "A2A (before v0.2) tasks/sendSubscribe",
     .body = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tasks/sendSubscribe\",\"params\":{\"id\":\"task-8\","
	     "\"message\":{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"text\":\"x\"}]}}}",
     .n_rpc = 1,
     .kind = RPC_REQUEST,
     .protocol = RPC_PROTO_A2A,
     .method = "tasks/sendSubscribe",
     .target = "task-8",
     .arg_names = "text"},
    {.name = "A2A (before v0.2) task result without kind",
     .response = true,
     .body =
	 "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"id\":\"task-8\",\"status\":{\"state\":\"completed\"},"
	 "\"artifacts\":[]}}",
     .n_rpc = 1,
     .kind = RPC_RESULT,
     .protocol = RPC_PROTO_A2A,
     .target = "task-8"},
    {.name = "A2A v1.0 SendMessage",
     .body = "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"SendMessage\",\"params\":{\"message\":{\"role\":"
	     "\"ROLE_USER\",\"parts\":[{\"text\":\"hi\"}]}}}",
     .n_rpc = 1,
     .kind = RPC_REQUEST,
     .protocol = RPC_PROTO_A2A,
     .method = "SendMessage",
     .arg_names = "text"},
    /* MCP 2026-07-28: no initialize; every request names the client in _meta */
    {.name = "2026-07-28 request: _meta envelope",
     .headers = "Mcp-Method: tools/list\r\nMCP-Protocol-Version: 2026-07-28\r\n",
     .body = "{\"method\":\"tools/list\",\"jsonrpc\":\"2.0\",\"id\":0,\"params\":{" META "}}",
     .n_rpc = 1,
     .kind = RPC_REQUEST,
     .protocol = RPC_PROTO_MCP,
     .method = "tools/list",
     .id = "0",
     .peer = "release-copilot",
     .peer_version = "2.0.0",
     .protocol_version = "2026-07-28",
     .capabilities = "elicitation"},
    {.name = "2026-07-28 server/discover probe",
     .headers = "Mcp-Method: server/discover\r\nMCP-Protocol-Version: 2026-07-28\r\n",
     .body = "{\"jsonrpc\":\"2.0\",\"id\":\"server-discover-probe-1\",\"method\":\"server/discover\","
	     "\"params\":{" META "}}",
     .n_rpc = 1,
     .kind = RPC_REQUEST,
     .protocol = RPC_PROTO_MCP,
     .method = "server/discover",
     .id = "server-discover-probe-1",
     .peer = "release-copilot",
     .protocol_version = "2026-07-28"},
    {.name = "2026-07-28 server/discover result",
     .response = true,
     .body =
	 "{\"result\":{\"supportedVersions\":[\"2026-07-28\",\"2025-11-25\"],\"capabilities\":{"
	 "\"tools\":{\"listChanged\":true},\"resources\":{}},\"instructions\":\"x\",\"resultType\":"
	 "\"complete\",\"ttlMs\":0,\"_meta\":{\"io.modelcontextprotocol/serverInfo\":{\"name\":"
	 "\"fleet-tools\",\"version\":\"4.2.0\"}}},\"jsonrpc\":\"2.0\",\"id\":\"server-discover-probe-1\"}",
     .n_rpc = 1,
     .kind = RPC_RESULT,
     .protocol = RPC_PROTO_MCP,
     .method = "server/discover",
     .peer = "fleet-tools",
     .peer_version = "4.2.0",
     .capabilities = "resources,tools",
     .check = check_discover},
    {.name = "2026-07-28 result names the server in _meta",
     .response = true,
     .body = "{\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"ok\"}],\"resultType\":\"complete\","
	     "\"_meta\":{\"io.modelcontextprotocol/serverInfo\":{\"name\":\"fleet-tools\",\"version\":"
	     "\"4.2.0\"}}},\"jsonrpc\":\"2.0\",\"id\":1}",
     .n_rpc = 1,
     .kind = RPC_RESULT,
     .protocol = RPC_PROTO_MCP,
     .method = "tools/call",
     .peer = "fleet-tools"},
    {.name = "2026-07-28 input_required result",
     .response = true,
     .body = "{\"result\":{\"resultType\":\"input_required\",\"inputRequests\":{\"confirm\":{\"method\":"
	     "\"elicitation/create\",\"params\":{\"message\":\"Sure?\",\"mode\":\"form\"}},\"where\":{"
	     "\"method\":\"roots/list\"}},\"requestState\":\"s1\"},\"jsonrpc\":\"2.0\",\"id\":2}",
     .n_rpc = 1,
     .kind = RPC_RESULT,
     .protocol = RPC_PROTO_MCP,
     .method = "",
     .check = check_input_required},
    {.name = "2026-07-28 tools/call retried with the input",
     .headers = "Mcp-Method: tools/call\r\nMcp-Name: decommission_host\r\n",
     .body = "{\"method\":\"tools/call\",\"params\":{\"name\":\"decommission_host\",\"arguments\":{"
	     "\"host\":\"web-17\"},\"inputResponses\":{\"confirm\":{\"action\":\"accept\"}},"
	     "\"requestState\":\"s1\"," META "},\"jsonrpc\":\"2.0\",\"id\":3}",
     .n_rpc = 1,
     .kind = RPC_REQUEST,
     .protocol = RPC_PROTO_MCP,
     .method = "tools/call",
     .target = "decommission_host",
     .arg_names = "host",
     .check = check_input_response},
    {.name = "Mcp-Method that the body contradicts",
     .headers = "Mcp-Method: tools/list\r\n",
     .body = "{\"method\":\"tools/call\",\"params\":{\"name\":\"t\"},\"jsonrpc\":\"2.0\",\"id\":4}",
     .n_rpc = 1,
     .kind = RPC_REQUEST,
     .protocol = RPC_PROTO_MCP,
     .method = "tools/call",
     .target = "t",
     .anomaly = "mcp_method_header_mismatch"},
    {.name = "Mcp-Name that the body contradicts",
     .headers = "Mcp-Method: tools/call\r\nMcp-Name: other\r\n",
     .body = "{\"method\":\"tools/call\",\"params\":{\"name\":\"t\"},\"jsonrpc\":\"2.0\",\"id\":4}",
     .n_rpc = 1,
     .kind = RPC_REQUEST,
     .protocol = RPC_PROTO_MCP,
     .method = "tools/call",
     .target = "t",
     .anomaly = "mcp_name_header_mismatch"},
    {.name = "2026-07-28 request read from its headers (body not JSON-RPC)",
     .headers =
	 "Mcp-Method: tools/call\r\nMcp-Name: get_fleet_status\r\nMCP-Protocol-Version: 2026-07-28\r\n",
     .body = "\x1f\x8b compressed, unreadable",
     .n_rpc = 1,
     .kind = RPC_REQUEST,
     .protocol = RPC_PROTO_MCP,
     .method = "tools/call",
     .id = "",
     .target = "get_fleet_status",
     .check = check_from_headers},
    {.name = "2026-07-28 subscriptions/listen",
     .headers = "Mcp-Method: subscriptions/listen\r\n",
     .body =
	 "{\"jsonrpc\":\"2.0\",\"id\":\"listen:0\",\"method\":\"subscriptions/listen\",\"params\":{" META
	 ",\"notifications\":{\"toolsListChanged\":true,\"resourceSubscriptions\":[\"fleet://inventory\"]}}}",
     .n_rpc = 1,
     .kind = RPC_REQUEST,
     .protocol = RPC_PROTO_MCP,
     .method = "subscriptions/listen",
     .id = "listen:0",
     .arg_names = "resourceSubscriptions,toolsListChanged"},
    {.name = "tasks extension: tasks/update",
     .body = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tasks/update\",\"params\":{\"taskId\":\"t-9\","
	     "\"inputResponses\":{}," META "}}",
     .n_rpc = 1,
     .kind = RPC_REQUEST,
     .protocol = RPC_PROTO_MCP,
     .method = "tasks/update",
     .target = "t-9"},
    {.name = "tasks extension: a task handle for a result",
     .response = true,
     .body = "{\"jsonrpc\":\"2.0\",\"id\":5,\"result\":{\"resultType\":\"task\",\"taskId\":\"t-9\","
	     "\"status\":\"working\"}}",
     .n_rpc = 1,
     .kind = RPC_RESULT,
     .protocol = RPC_PROTO_MCP,
     .method = "",
     .target = "t-9"},
    {.name = "an extension's method with the envelope is MCP",
     .body = "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"skills/list\",\"params\":{" META "}}",
     .n_rpc = 1,
     .kind = RPC_REQUEST,
     .protocol = RPC_PROTO_MCP,
     .method = "skills/list",
     .peer = "release-copilot"},
    /* A2A 1.0 headers */
    {.name = "A2A 1.0 request headers",
     .headers = "A2A-Version: 1.0\r\nA2A-Extensions: https://ext.example/a, https://ext.example/b\r\n",
     .body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"GetTask\",\"params\":{\"id\":\"task-1\"}}",
     .n_rpc = 1,
     .kind = RPC_REQUEST,
     .protocol = RPC_PROTO_A2A,
     .method = "GetTask",
     .target = "task-1",
     .check = check_a2a_headers},
    /* not MCP, not A2A */
    {.name = "other JSON-RPC: zabbix",
     .body = "{\"jsonrpc\": \"2.0\", \"method\": \"zabbix.status\", \"params\": {}, \"auth\": "
	     "\"608917ce3dd5c681debca02b7757aba4\", \"id\": 103796}",
     .n_rpc = 1,
     .kind = RPC_REQUEST,
     .protocol = RPC_PROTO_OTHER,
     .method = "zabbix.status",
     .id = "103796",
     .secret = "608917ce3dd5c681debca02b7757aba4"},
    {.name = "other JSON-RPC result",
     .response = true,
     .body = "{\"jsonrpc\":\"2.0\",\"result\":{\"result\":true,\"message\":\"\"},\"id\":103796}",
     .n_rpc = 1,
     .kind = RPC_RESULT,
     .protocol = RPC_PROTO_OTHER,
     .method = "",
     .id = "103796"},
    {.name = "tasks/get without id is neither",
     .body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tasks/get\",\"params\":{}}",
     .n_rpc = 1,
     .kind = RPC_REQUEST,
     .protocol = RPC_PROTO_OTHER,
     .method = "tasks/get"},
    {.name = "an LLM request is no JSON-RPC",
     .body = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
     .n_rpc = 0},
    {.name = "JSON-RPC 1.0 is ignored", .body = "{\"method\":\"echo\",\"params\":[],\"id\":1}", .n_rpc = 0},
    {.name = "claims 2.0 but is no message",
     .body = "{\"jsonrpc\":\"2.0\",\"id\":1}",
     .n_rpc = 0,
     .anomaly = "bad_jsonrpc"},
    {.name = "bad JSON", .body = "{\"jsonrpc\":\"2.0\",\"id\":1,", .n_rpc = 0, .anomaly = "bad_json"},
    /* only a body that names JSON-RPC is parsed for it: this one, too deep */
    {.name = "too deep",
     .body = "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"params\":"
	     "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]"
	     "]]]]]]]]]]"
	     "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
     .n_rpc = 0,
     .anomaly = "json_too_deep"},
};

static void fill_big(void)
{
	size_t o = (size_t)sprintf(big_tools, "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"tools\":[");
	for (int i = 0; i < AS_OBS_MAX_ITEMS + 12; i++)
		o += (size_t)sprintf(big_tools + o, "%s{\"name\":\"t%d\"}", i ? "," : "", i);
	strcpy(big_tools + o, "]}}");
	o = (size_t)sprintf(big_batch, "[");
	for (int i = 0; i < AS_RPC_MAX_BATCH + 6; i++)
		o += (size_t)sprintf(
		    big_batch + o, "%s{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"id\":%d}",
		    i ? "," : "", i);
	strcpy(big_batch + o, "]");
}

static void items_joined(const struct obs_rpc *r, char *out, size_t n)
{
	size_t o = 0;
	out[0] = '\0';
	for (unsigned i = 0; i < r->n_items; i++)
		o += (size_t)snprintf(out + o, n - o, "%s%s", i ? "," : "", r->items[i].name);
}

#define EXPECT_STR(field, want)                                                                              \
	do {                                                                                                 \
		if ((want) && strcmp(r->field, (want)) != 0)                                                 \
			fail_msg("%s: " #field " = \"%s\", want \"%s\"", c->name, r->field, (want));         \
	} while (0)

static void test_message(void **state)
{
	const struct rpc_case *c = *state;
	char *req = malloc(strlen(c->body) + 1024), *resp = NULL;
	assert_non_null(req);
	if (c->response) {
		strcpy(req,
		       "GET /mcp HTTP/1.1\r\nHost: MCP.example:8080\r\nAccept: application/json\r\n\r\n");
		resp = malloc(strlen(c->body) + 1024);
		assert_non_null(resp);
		sprintf(
		    resp,
		    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n%sContent-Length: #\r\n\r\n%s\x01",
		    c->headers ? c->headers : "", c->body);
	} else {
		sprintf(req,
			"POST /mcp HTTP/1.1\r\nHost: MCP.example:8080\r\nContent-Type: application/json\r\n%s"
			"Content-Length: #\r\n\r\n%s\x01",
			c->headers ? c->headers : "", c->body);
	}
	struct conv_feed feeds[] = {{DIR_TO_SERVER, req}, {DIR_TO_CLIENT, resp}, {0}};
	bool big = strlen(c->body) > 2000;
	struct obs_log log = conv_run(feeds, big);
	print_anomalies(&log);
	if (count_type(&log, OBS_RPC) != c->n_rpc)
		fail_msg("%s: %zu RPC observations, want %zu", c->name, count_type(&log, OBS_RPC), c->n_rpc);
	if (c->anomaly && !has_anomaly(&log, c->anomaly))
		fail_msg("%s: anomaly %s missing", c->name, c->anomaly);
	if (!c->anomaly && count_type(&log, OBS_ANOMALY))
		fail_msg("%s: unexpected anomaly", c->name);
	if (c->secret)
		assert_no_leak(&log, c->secret);
	if (c->n_rpc) {
		const struct obs_rpc *r = rpc(&log, 0);
		if (r->kind != c->kind || r->protocol != c->protocol)
			fail_msg("%s: kind %u protocol %u, want %u %u", c->name, r->kind, r->protocol,
				 c->kind, c->protocol);
		assert_int_equal(r->transport, RPC_HTTP_BODY);
		assert_int_equal(r->to_server, !c->response);
		assert_string_equal(r->http.host, "mcp.example");
		assert_string_equal(r->http.path, "/mcp");
		assert_string_equal(r->http.method, c->response ? "GET" : "POST");
		assert_int_equal(r->http.status, c->response ? 200 : 0);
		EXPECT_STR(method, c->method);
		EXPECT_STR(id, c->id);
		EXPECT_STR(target, c->target);
		EXPECT_STR(arg_names, c->arg_names);
		EXPECT_STR(peer_name, c->peer);
		EXPECT_STR(peer_version, c->peer_version);
		EXPECT_STR(protocol_version, c->protocol_version);
		EXPECT_STR(capabilities, c->capabilities);
		if (c->items) {
			char joined[4096];
			items_joined(r, joined, sizeof joined);
			if (strcmp(joined, c->items) != 0)
				fail_msg("%s: items \"%s\", want \"%s\"", c->name, joined, c->items);
		}
	}
	if (c->check)
		c->check(&log);
	obs_log_free(&log);
	free(req);
	free(resp);
}

/* ---- A2A agent cards ---- */

struct card_case {
	const char *name;
	const char *method, *path, *body;
	bool card;
	const char *card_name, *version, *url, *protocol_version, *security, *skills;
	bool streaming, push;
};

static const struct card_case card_cases[] = {
    {"v0.3 card", "GET", "/.well-known/agent-card.json",
     "{\"protocolVersion\":\"0.3.0\",\"name\":\"Travel Agent\",\"description\":\"d\",\"url\":"
     "\"https://agents.example.com/a2a/v1\",\"preferredTransport\":\"JSONRPC\",\"version\":\"1.2.0\","
     "\"capabilities\":{\"streaming\":true,\"pushNotifications\":false},\"securitySchemes\":{\"google\":"
     "{\"type\":\"openIdConnect\",\"openIdConnectUrl\":\"https://accounts.google.com/x\"},\"key\":{\"type\":"
     "\"apiKey\",\"in\":\"header\",\"name\":\"X-Key\"},\"bearer\":{\"type\":\"http\",\"scheme\":\"bearer\"}},"
     "\"skills\":[{\"id\":\"book-flight\",\"name\":\"Book\"},{\"name\":\"no-id\"}]}",
     true, "Travel Agent", "1.2.0", "https://agents.example.com/a2a/v1", "0.3.0", "apiKey,http,openIdConnect",
     "book-flight,no-id", true, false},
    {"legacy agent.json", "GET", "/.well-known/agent.json",
     "{\"name\":\"Old\",\"url\":\"http://10.0.0.5:9999/\",\"version\":\"0.1\",\"capabilities\":"
     "{\"pushNotifications\":true}}",
     true, "Old", "0.1", "http://10.0.0.5:9999/", "", "", "", false, true},
    {"v1.0 card", "GET", "/.well-known/agent-card.json",
     "{\"name\":\"V1\",\"version\":\"2\",\"supportedInterfaces\":[{\"url\":\"https://v1.example/rpc\","
     "\"protocolBinding\":\"JSONRPC\",\"protocolVersion\":\"1.0\"}],\"securitySchemes\":{\"o\":"
     "{\"oauth2SecurityScheme\":{\"flows\":{}}},\"m\":{\"mtlsSecurityScheme\":{}}},\"skills\":[{\"id\":"
     "\"s1\"}]}",
     true, "V1", "2", "https://v1.example/rpc", "1.0", "mutualTLS,oauth2", "s1", false, false},
    {"a POST is no card fetch", "POST", "/.well-known/agent-card.json", "{\"name\":\"X\",\"url\":\"u\"}",
     false},
    {"another path", "GET", "/agent-card.json", "{\"name\":\"X\",\"url\":\"u\"}", false},
    {"no name", "GET", "/.well-known/agent-card.json", "{\"url\":\"u\",\"skills\":[]}", false},
    {"name only", "GET", "/.well-known/agent.json", "{\"name\":\"X\"}", false},
};

static void test_agent_card(void **state)
{
	const struct card_case *c = *state;
	char req[512], resp[4096];
	snprintf(req, sizeof req,
		 "%s %s HTTP/1.1\r\nHost: Agents.Example.com\r\nContent-Length: 0\r\n\r\n", c->method,
		 c->path);
	snprintf(
	    resp, sizeof resp,
	    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: #\r\n\r\n%s\x01",
	    c->body);
	struct conv_feed feeds[] = {{DIR_TO_SERVER, req}, {DIR_TO_CLIENT, resp}, {0}};
	struct obs_log log = conv_run(feeds, false);
	assert_int_equal(count_type(&log, OBS_AGENT_CARD), c->card ? 1 : 0);
	assert_int_equal(count_type(&log, OBS_ANOMALY), 0);
	if (c->card) {
		const struct obs_agent_card *k = &nth(&log, OBS_AGENT_CARD, 0)->u.card;
		assert_string_equal(k->http.host, "agents.example.com");
		assert_string_equal(k->http.path, c->path);
		assert_string_equal(k->name, c->card_name);
		assert_string_equal(k->version, c->version);
		assert_string_equal(k->url, c->url);
		assert_string_equal(k->protocol_version, c->protocol_version);
		assert_string_equal(k->security, c->security);
		assert_int_equal(k->streaming, c->streaming);
		assert_int_equal(k->push_notifications, c->push);
		char joined[1024];
		size_t o = 0;
		joined[0] = '\0';
		for (unsigned j = 0; j < k->n_items; j++)
			o += (size_t)snprintf(joined + o, sizeof joined - o, "%s%s", j ? "," : "",
					      k->items[j].name);
		assert_string_equal(joined, c->skills);
		assert_int_equal(k->n_items_total, k->n_items);
	}
	obs_log_free(&log);
}

/* ---- MCP conversations over HTTP ---- */

#define SESSION "1868a90c-aaaa-bbbb-cccc-0123456789ab"

static void test_streamable_http(void **state)
{
	(void)state;
	/* POST with a JSON response; POST answered with SSE carrying a progress
	 * notification and the result; a notification answered 202; GET SSE
	 * stream with server requests; DELETE ends the session. */
	static const struct conv_feed feeds[] = {
	    {DIR_TO_SERVER,
	     "POST /mcp HTTP/1.1\r\nHost: tools.example.com\r\nContent-Type: application/json\r\n"
	     "Accept: application/json, text/event-stream\r\nAuthorization: Bearer eyJ-TOKEN-VALUE\r\n"
	     "Content-Length: #\r\n\r\n"
	     "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-"
	     "06-18\","
	     "\"capabilities\":{},\"clientInfo\":{\"name\":\"cursor\",\"version\":\"1.0\"}}}\x01"
	     "POST /mcp HTTP/1.1\r\nHost: tools.example.com\r\nContent-Type: application/json\r\n"
	     "Mcp-Session-Id: " SESSION "\r\nMCP-Protocol-Version: 2025-06-18\r\n"
	     "Authorization: Bearer eyJ-TOKEN-VALUE\r\nContent-Length: #\r\n\r\n"
	     "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"delete_record\","
	     "\"arguments\":{\"id\":42},\"_meta\":{\"progressToken\":\"pt\"}}}\x01"
	     "POST /mcp HTTP/1.1\r\nHost: tools.example.com\r\nContent-Type: application/json\r\n"
	     "Mcp-Session-Id: " SESSION "\r\nContent-Length: #\r\n\r\n"
	     "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":9}}\x01"
	     "GET /mcp HTTP/1.1\r\nHost: tools.example.com\r\nAccept: text/event-stream\r\n"
	     "Mcp-Session-Id: " SESSION "\r\n\r\n"
	     "DELETE /mcp HTTP/1.1\r\nHost: tools.example.com\r\nMcp-Session-Id: " SESSION "\r\n\r\n"},
	    {DIR_TO_CLIENT,
	     "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nMcp-Session-Id: " SESSION "\r\n"
	     "Content-Length: #\r\n\r\n"
	     "{\"jsonrpc\":\"2.0\",\"id\":0,\"result\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":"
	     "{\"tools\":{}},\"serverInfo\":{\"name\":\"ops\",\"version\":\"3\"}}}\x01"
	     "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
	     "61\r\n"
	     "event: message\nid: 1\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\","
	     "\"params\":{\"p\":1}}\n\n\r\n"
	     "48\r\n"
	     "data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"content\":[],\"isError\":false}}\n\n"
	     "\r\n0\r\n\r\n"
	     "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"
	     "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: #\r\n\r\n"
	     ": ping\n\n"
	     "data: {\"jsonrpc\":\"2.0\",\"id\":\"s1\",\"method\":\"sampling/createMessage\",\"params\":"
	     "{\"messages\":[],\"maxTokens\":5}}\n\n"
	     "data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/tools/list_changed\"}\n\n\x01"
	     "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"},
	    {0},
	};
	struct obs_log log = conv_run(feeds, false);
	print_anomalies(&log);
	if (getenv("RPC_DEBUG"))
		for (size_t i = 0; i < log.n; i++)
			print_message("    obs %d %s %s\n", log.v[i].type,
				      log.v[i].type == OBS_HTTP_REQUEST ? log.v[i].u.http.req.method : "",
				      log.v[i].type == OBS_RPC ? log.v[i].u.rpc.method : "");
	assert_int_equal(count_type(&log, OBS_ANOMALY), 0);
	assert_no_leak(&log, "eyJ-TOKEN-VALUE");
	assert_int_equal(count_type(&log, OBS_HTTP_REQUEST), 5);
	assert_int_equal(count_type(&log, OBS_HTTP_EXCHANGE), 5);
	assert_int_equal(count_type(&log, OBS_RPC), 8);
	static const struct {
		uint8_t kind;
		const char *method;
		bool to_server;
		uint8_t transport;
		const char *http_method;
		uint16_t status;
		const char *session;
	} want[] = {
	    {RPC_REQUEST, "initialize", true, RPC_HTTP_BODY, "POST", 0, ""},
	    {RPC_RESULT, "initialize", false, RPC_HTTP_BODY, "POST", 200, SESSION},
	    {RPC_REQUEST, "tools/call", true, RPC_HTTP_BODY, "POST", 0, SESSION},
	    {RPC_NOTIFICATION, "notifications/progress", false, RPC_HTTP_SSE, "POST", 200, SESSION},
	    {RPC_RESULT, "tools/call", false, RPC_HTTP_SSE, "POST", 200, SESSION},
	    {RPC_NOTIFICATION, "notifications/cancelled", true, RPC_HTTP_BODY, "POST", 0, SESSION},
	    {RPC_REQUEST, "sampling/createMessage", false, RPC_HTTP_SSE, "GET", 200, SESSION},
	    {RPC_NOTIFICATION, "notifications/tools/list_changed", false, RPC_HTTP_SSE, "GET", 200, SESSION},
	};
	/* order within a direction is fixed; match by (method, kind, to_server) */
	for (size_t k = 0; k < 8; k++) {
		bool found = false;
		for (size_t i = 0; i < 8 && !found; i++) {
			const struct obs_rpc *r = rpc(&log, i);
			if (strcmp(r->method, want[k].method) || r->kind != want[k].kind ||
			    r->to_server != want[k].to_server)
				continue;
			found = true;
			assert_int_equal(r->protocol, RPC_PROTO_MCP);
			assert_int_equal(r->transport, want[k].transport);
			assert_string_equal(r->http.method, want[k].http_method);
			assert_int_equal(r->http.status, want[k].status);
			assert_string_equal(r->session_id, want[k].session);
			assert_string_equal(r->http.host, "tools.example.com");
			assert_true(r->http.authorization == (k <= 4));
			if (k == 2) {
				assert_string_equal(r->target, "delete_record");
				assert_string_equal(r->arg_names, "id");
				assert_string_equal(r->protocol_header, "2025-06-18");
			}
			if (k == 1)
				assert_string_equal(r->peer_name, "ops");
		}
		if (!found)
			fail_msg("rpc %s missing", want[k].method);
	}
	obs_log_free(&log);
}

static void test_legacy_sse(void **state)
{
	(void)state;
	/* The SSE stream never completes (no end of either direction): what it
	 * carried so far is reported all the same. */
	static const struct conv_feed feeds[] = {
	    {DIR_TO_SERVER,
	     "GET /sse HTTP/1.1\r\nHost: legacy.example:3000\r\nAccept: text/event-stream\r\n\r\n"},
	    {DIR_TO_CLIENT,
	     "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n\r\n"
	     "event: endpoint\r\ndata: /messages?sessionId=abc-123&token=URL-SECRET\r\n\r\n"
	     ": keepalive\n\n"
	     "event: message\ndata: "
	     "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":[{\"name\":\"summarize\"}]}}\n\n"
	     "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":2,\"resu"},
	    {0},
	};
	struct obs_log log = conv_run(feeds, false);
	print_anomalies(&log);
	assert_int_equal(count_type(&log, OBS_ANOMALY), 0);
	assert_int_equal(count_type(&log, OBS_HTTP_EXCHANGE), 0); /* still streaming */
	assert_int_equal(count_type(&log, OBS_RPC), 2);
	assert_no_leak(&log, "URL-SECRET");
	const struct obs_rpc *e = rpc(&log, 0);
	assert_int_equal(e->kind, RPC_NOTIFICATION);
	assert_int_equal(e->protocol, RPC_PROTO_MCP);
	assert_int_equal(e->transport, RPC_HTTP_SSE);
	assert_string_equal(e->method, "endpoint");
	assert_string_equal(e->target, "/messages?sessionId=abc-123&token=");
	assert_string_equal(e->session_id, "abc-123");
	assert_string_equal(e->http.path, "/sse");
	assert_string_equal(e->http.host, "legacy.example");
	const struct obs_rpc *t = rpc(&log, 1);
	assert_string_equal(t->method, "tools/list");
	assert_int_equal(t->protocol, RPC_PROTO_MCP);
	assert_string_equal(t->items[0].name, "summarize");
	obs_log_free(&log);

	/* the client's POST to the endpoint: session from the query */
	static const struct conv_feed post[] = {
	    {DIR_TO_SERVER, "POST /messages?sessionId=abc-123 HTTP/1.1\r\nHost: legacy.example:3000\r\n"
			    "Content-Type: application/json\r\nContent-Length: #\r\n\r\n"
			    "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/"
			    "call\",\"params\":{\"name\":\"summarize\"}}\x01"},
	    {DIR_TO_CLIENT, "HTTP/1.1 202 Accepted\r\nContent-Length: 8\r\n\r\nAccepted"},
	    {DIR_TO_SERVER, NULL, 0, true},
	    {DIR_TO_CLIENT, NULL, 0, true},
	    {0},
	};
	log = conv_run(post, false);
	assert_int_equal(count_type(&log, OBS_ANOMALY), 0);
	assert_int_equal(count_type(&log, OBS_RPC), 1);
	assert_string_equal(rpc(&log, 0)->session_id, "abc-123");
	assert_string_equal(rpc(&log, 0)->http.path, "/messages");
	assert_string_equal(rpc(&log, 0)->target, "summarize");
	assert_string_equal(rpc(&log, 0)->arg_names, "");
	obs_log_free(&log);
}

/* ---- direct calls (what the fuzz target drives) ---- */

static void test_direct(void **state)
{
	(void)state;
	struct obs_log log = {0};
	struct dissect_ctx ctx = harness_ctx(&log);
	struct http_view v = {.request = true, .carrier = RPC_WEBSOCKET};
	assert_true(jsonrpc_analyze(&v,
				    SV_LIT(" {\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,"
					   "\"message\":\"Parse error\"}} "),
				    &ctx));
	assert_false(jsonrpc_analyze(&v, SV_LIT("hello"), &ctx));
	assert_false(jsonrpc_analyze(&v, SV_LIT("[]"), &ctx));
	assert_false(jsonrpc_analyze(&v, SV_LIT("[1,\"x\"]"), &ctx));
	assert_false(jsonrpc_analyze(&v, SV_LIT("{\"jsonrpc\":\"2.0\",\"method\":7}"), &ctx));
	assert_int_equal(count_type(&log, OBS_RPC), 1);
	assert_string_equal(rpc(&log, 0)->id, "null");
	assert_int_equal(rpc(&log, 0)->error_code, -32700);
	assert_int_equal(rpc(&log, 0)->transport, RPC_WEBSOCKET);
	assert_string_equal(rpc(&log, 0)->http.host, "");
	assert_true(has_anomaly(&log, "bad_jsonrpc"));
	obs_log_free(&log);
}

/* ---- public captures ---- */

static bool in_list(const char *const *l, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(l[i], s) == 0)
			return true;
	return false;
}

static void test_pcap_mcp(void **state)
{
	(void)state;
	struct obs_log log;
	pcap_run("zeek_poc/mcp_detect/mcp-traffic.pcap", &log, NULL, NULL);
	print_anomalies(&log);
	/* ground truth: pcaps-public/SOURCES.md (tshark) */
	const char *clients[8], *tools[16];
	size_t n_clients = 0, n_tools = 0, calls = 0, run_query = 0, read_file = 0, send_email = 0,
	       server = 0;
	size_t by_proto[3] = {0}, endpoints = 0, prompts = 0;
	for (size_t i = 0; i < count_type(&log, OBS_RPC); i++) {
		const struct obs_rpc *r = rpc(&log, i);
		by_proto[r->protocol]++;
		if (r->kind == RPC_REQUEST && strcmp(r->method, "initialize") == 0 && n_clients < 8 &&
		    !in_list(clients, n_clients, r->peer_name))
			clients[n_clients++] = r->peer_name;
		if (r->kind == RPC_RESULT && strcmp(r->method, "initialize") == 0) {
			assert_string_equal(r->peer_name, "test-mcp-server");
			assert_string_equal(r->peer_version, "1.0.0");
			server++;
		}
		if (r->kind == RPC_RESULT && r->list == RPC_LIST_TOOLS)
			for (unsigned k = 0; k < r->n_items; k++)
				if (n_tools < 16 && !in_list(tools, n_tools, r->items[k].name))
					tools[n_tools++] = r->items[k].name;
		if (r->kind == RPC_REQUEST && strcmp(r->method, "tools/call") == 0) {
			calls++;
			run_query += strcmp(r->target, "run_query") == 0;
			read_file += strcmp(r->target, "read_file") == 0;
			send_email += strcmp(r->target, "send_email") == 0;
		}
		if (r->kind == RPC_RESULT && r->list == RPC_LIST_PROMPTS) {
			assert_int_equal(r->n_items, 1);
			assert_string_equal(r->items[0].name, "summarize");
			prompts++;
		}
		if (strcmp(r->method, "endpoint") == 0) {
			endpoints++;
			assert_string_equal(r->target,
					    "/messages?session_id=fd4fa8ef-0fb0-4f7f-bd80-96b7083378a0");
		}
		assert_false(r->http.authorization);
	}
	print_message("  mcp-traffic.pcap: %zu RPC (MCP %zu, A2A %zu, other %zu), clients %zu, tools %zu, "
		      "tools/call %zu, anomalies %zu\n",
		      count_type(&log, OBS_RPC), by_proto[RPC_PROTO_MCP], by_proto[RPC_PROTO_A2A],
		      by_proto[RPC_PROTO_OTHER], n_clients, n_tools, calls, count_type(&log, OBS_ANOMALY));
	assert_int_equal(n_clients, 3);
	assert_true(in_list(clients, n_clients, "zeek-test-client"));
	assert_true(in_list(clients, n_clients, "unauth-client"));
	assert_true(in_list(clients, n_clients, "legacy-client"));
	assert_int_equal(server, 3);
	/* SOURCES.md counts "summarize" among the tools; the capture lists it
	 * as a prompt (prompts/list result, then prompts/get) */
	assert_int_equal(n_tools, 3);
	static const char *const want_tools[] = {"read_file", "run_query", "send_email"};
	for (size_t i = 0; i < 3; i++)
		assert_true(in_list(tools, n_tools, want_tools[i]));
	assert_int_equal(prompts, 1);
	assert_int_equal(calls, 11);
	assert_int_equal(run_query, 9);
	assert_int_equal(read_file, 1);
	assert_int_equal(send_email, 1);
	assert_int_equal(endpoints, 1);
	assert_int_equal(by_proto[RPC_PROTO_A2A], 0);
	assert_int_equal(by_proto[RPC_PROTO_OTHER], 0);
	assert_int_equal(count_type(&log, OBS_ANOMALY), 0);
	obs_log_free(&log);
}

/* jsonrpc.pcap's first flow is JSON-RPC straight over TCP: analyzed as text. */
static void raw_jsonrpc(void *user, enum dissect_dir dir, const uint8_t *p, size_t len,
			const struct dissect_ctx *ctx)
{
	(void)user;
	struct http_view v = {.request = dir == DIR_TO_SERVER, .carrier = RPC_HTTP_BODY};
	(void)jsonrpc_analyze(&v, sv_make(p, len), ctx);
}

static void test_pcap_not_mcp(void **state)
{
	(void)state;
	struct obs_log log;
	pcap_run("ndpi/pcap/jsonrpc.pcap", &log, raw_jsonrpc, NULL);
	print_anomalies(&log);
	/* echo over raw TCP, zabbix.status request and result over HTTP */
	assert_int_equal(count_type(&log, OBS_RPC), 3);
	for (size_t i = 0; i < count_type(&log, OBS_RPC); i++)
		assert_int_equal(rpc(&log, i)->protocol, RPC_PROTO_OTHER);
	assert_string_equal(rpc(&log, 0)->method, "echo");
	assert_no_leak(&log, "Testing!");
	obs_log_free(&log);
}

int main(void)
{
	fill_big();
	struct cases t = {0};
	CASE_ROWS(&t, test_message, cases, name);
	CASE_ROWS(&t, test_agent_card, card_cases, name);
	CASE(&t, test_streamable_http);
	CASE(&t, test_legacy_sse);
	CASE(&t, test_direct);
	CASE(&t, test_pcap_mcp);
	CASE(&t, test_pcap_not_mcp);
	return cases_main(&t, "jsonrpc");
}
