package dev.sluice.codec.translate;

import static dev.sluice.codec.translate.WholeBodies.anthropicToOpenAi;
import static dev.sluice.codec.translate.WholeBodies.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;

import dev.sluice.codec.Dialect;
import dev.sluice.codec.Usage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Anthropic Messages requests to OpenAI chat through {@link RequestTranslator} (PROVIDERS.md 6.2). */
class RequestTranslatorAnthropicToOpenAiTest {
    private final TranslationWarnings warnings = new TranslationWarnings();

    @Test
    void shouldPutTheSystemPromptFirstAndKeepTurnsInOrder() throws Exception {
        JsonNode out = anthropicToOpenAi("""
                {"model":"c","max_tokens":100,"system":"Be brief.","messages":[
                  {"role":"user","content":"Hi"},{"role":"assistant","content":[{"type":"text","text":"Hel"},
                  {"type":"text","text":"lo"}]},{"role":"user","content":[{"type":"text","text":"Q"},
                  {"type":"text","text":""}]}]}""", warnings);
        assertThat(out).isEqualTo(parse("""
                {"model":"gpt-test","messages":[{"role":"system","content":"Be brief."},
                  {"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"},
                  {"role":"user","content":[{"type":"text","text":"Q"}]}],"max_completion_tokens":100}"""));
        assertThat(warnings.droppedFields()).containsExactly("messages[2].content[1]");
    }

    @Test
    void shouldEmitOneToolMessagePerResultBeforeTheUserTextWithTheErrorPrefix() throws Exception {
        JsonNode out = anthropicToOpenAi("""
                {"model":"c","max_tokens":10,"messages":[
                  {"role":"assistant","content":[{"type":"tool_use","id":"functions.x:0","name":"x","input":{}}]},
                  {"role":"user","content":[{"type":"text","text":"and?"},
                    {"type":"tool_result","tool_use_id":"functions.x:0","is_error":true,"content":"boom"},
                    {"type":"tool_result","tool_use_id":"t2","content":[{"type":"text","text":"a"},
                      {"type":"image","source":{"type":"url","url":"https://e/x.png"}},{"type":"text","text":"b"}]}]}]}""",
                warnings);
        assertThat(out.get("messages")).isEqualTo(parse("""
                [{"role":"assistant","content":null,"tool_calls":[{"id":"functions_x_0","type":"function",
                   "function":{"name":"x","arguments":"{}"}}]},
                 {"role":"tool","tool_call_id":"functions_x_0","content":"Error: boom"},
                 {"role":"tool","tool_call_id":"t2","content":"a\\nb"},
                 {"role":"user","content":[{"type":"text","text":"and?"}]}]"""));
        assertThat(warnings.droppedFields()).containsExactly("messages[1].content[2].content[1]");
    }

    @Test
    void shouldDropThinkingBlocksFromHistory() throws Exception {
        JsonNode out = anthropicToOpenAi("""
                {"model":"c","max_tokens":10,"messages":[{"role":"user","content":"x"},
                  {"role":"assistant","content":[{"type":"thinking","thinking":"hmm","signature":"s"},
                    {"type":"redacted_thinking","data":"zz"},{"type":"text","text":"Done."}]},
                  {"role":"assistant","content":[{"type":"thinking","thinking":"only","signature":"s"}]}]}""",
                warnings);
        assertThat(out.get("messages")).isEqualTo(parse("""
                [{"role":"user","content":"x"},{"role":"assistant","content":"Done."}]"""));
        assertThat(warnings.droppedFields()).containsExactly("messages[1].content[0]", "messages[1].content[1]",
                "messages[2].content[0]", "messages[2]");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"type\":\"auto\"}|\"auto\"",
        "{\"type\":\"any\"}|\"required\"",
        "{\"type\":\"none\"}|\"none\"",
        "{\"type\":\"tool\",\"name\":\"f\"}|{\"type\":\"function\",\"function\":{\"name\":\"f\"}}"})
    void shouldTranslateEachToolChoiceForm(String anthropic, String openAi) throws Exception {
        JsonNode out = anthropicToOpenAi("{\"model\":\"c\",\"max_tokens\":1,\"messages\":[],\"tools\":[{\"name\":\"f\","
                + "\"description\":\"d\",\"input_schema\":{\"type\":\"object\"},\"cache_control\":{\"type\":"
                + "\"ephemeral\"}}],\"tool_choice\":" + anthropic + "}", warnings);
        assertThat(out.get("tool_choice")).isEqualTo(parse(openAi));
        assertThat(out.has("parallel_tool_calls")).isFalse();
        assertThat(out.get("tools")).isEqualTo(parse("""
                [{"type":"function","function":{"name":"f","description":"d","parameters":{"type":"object"}}}]"""));
        assertThat(warnings.droppedFields()).containsExactly("tools[0].cache_control");
    }

    @Test
    void shouldRefuseServerToolsAndDropParallelFlagWithoutTools() throws Exception {
        assertThatThrownBy(() -> anthropicToOpenAi("""
                {"model":"c","max_tokens":1,"messages":[],"tools":[{"type":"web_search_20250305","name":"web_search"}]}""",
                warnings)).isInstanceOfSatisfying(TranslationException.class,
                        e -> assertThat(e.field()).isEqualTo("tools[0].type"));
        JsonNode out = anthropicToOpenAi("""
                {"model":"c","max_tokens":1,"messages":[],"tool_choice":{"type":"any","disable_parallel_tool_use":true}}""",
                warnings);
        assertThat(out.has("tool_choice")).isFalse();
        assertThat(out.has("parallel_tool_calls")).isFalse();
        assertThat(warnings.droppedFields()).containsExactly("tool_choice.disable_parallel_tool_use", "tool_choice");
    }

    @Test
    void shouldTruncateStopSequencesToFour() throws Exception {
        JsonNode out = anthropicToOpenAi("""
                {"model":"c","max_tokens":1,"messages":[],"stop_sequences":["1","2","3","4","5"]}""", warnings);
        assertThat(out.get("stop")).isEqualTo(parse("[\"1\",\"2\",\"3\",\"4\"]"));
        assertThat(warnings.droppedFields()).containsExactly("stop_sequences[4]");
    }

    @Test
    void shouldMapUserTopKAndUnknownFields() throws Exception {
        JsonNode out = anthropicToOpenAi("""
                {"model":"c","max_tokens":1,"messages":[],"metadata":{"user_id":"u-9","extra":"x"},"top_k":5,
                 "top_p":0.8,"temperature":0.9,"service_tier":"auto","container":"c1"}""", warnings);
        assertThat(out.get("user").textValue()).isEqualTo("u-9");
        assertThat(out.get("top_p").doubleValue()).isEqualTo(0.8);
        assertThat(out.get("temperature").doubleValue()).isEqualTo(0.9);
        assertThat(out.has("top_k")).isFalse();
        assertThat(warnings.droppedFields()).containsExactly("top_k", "service_tier", "container", "metadata.extra");
    }

    @ParameterizedTest
    @CsvSource({"1024,low", "2047,low", "2048,medium", "4096,medium", "8192,high", "16384,high", "64000,high"})
    void shouldMapThinkingBudgetToReasoningEffort(long budget, String effort) throws Exception {
        JsonNode out = anthropicToOpenAi("{\"model\":\"c\",\"max_tokens\":70000,\"messages\":[],\"thinking\":"
                + "{\"type\":\"enabled\",\"budget_tokens\":" + budget + "}}", warnings);
        assertThat(out.get("reasoning_effort").textValue()).isEqualTo(effort);
    }

    @Test
    void shouldMapOutputConfigAndOtherThinkingTypes() throws Exception {
        JsonNode out = anthropicToOpenAi("""
                {"model":"c","max_tokens":1,"messages":[],"thinking":{"type":"adaptive"},
                 "output_config":{"effort":"xhigh","format":{"type":"json_schema","schema":{"type":"object"}}}}""",
                warnings);
        assertThat(out.get("reasoning_effort").textValue()).isEqualTo("xhigh");
        assertThat(out.get("response_format")).isEqualTo(parse("""
                {"type":"json_schema","json_schema":{"name":"response","schema":{"type":"object"}}}"""));
        assertThat(warnings.droppedFields()).containsExactly("thinking");
        out = anthropicToOpenAi("""
                {"model":"c","max_tokens":1,"messages":[],"thinking":{"type":"disabled"}}""", warnings);
        assertThat(out.has("reasoning_effort")).isFalse();
    }

    @Test
    void shouldTranslateDocuments() throws Exception {
        JsonNode out = anthropicToOpenAi("""
                {"model":"c","max_tokens":1,"messages":[{"role":"user","content":[
                  {"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBE"}},
                  {"type":"document","source":{"type":"text","media_type":"text/plain","data":"plain words"}}]}]}""",
                warnings);
        assertThat(out.at("/messages/0/content")).isEqualTo(parse("""
                [{"type":"file","file":{"filename":"document.pdf","file_data":"data:application/pdf;base64,JVBE"}},
                 {"type":"text","text":"plain words"}]"""));
        assertThatThrownBy(() -> anthropicToOpenAi("""
                {"model":"c","max_tokens":1,"messages":[{"role":"user","content":[
                  {"type":"image","source":{"type":"file","file_id":"f1"}}]}]}""", warnings))
                .isInstanceOfSatisfying(TranslationException.class,
                        e -> assertThat(e.field()).isEqualTo("messages[0].content[0].source.type"));
    }

    @Test
    void shouldSanitizeToolIdsTheSameWayInResponsesAndTheNextRequest() throws Exception {
        // An OpenAI-compatible provider's id reaches an Anthropic client sanitized ...
        JsonNode response = WholeBodies.response("""
                {"id":"x","object":"chat.completion","model":"kimi","choices":[{"index":0,"message":{"role":"assistant",
                 "content":null,"tool_calls":[{"id":"functions.search:0","type":"function","function":{"name":"search",
                 "arguments":"{}"}}]},"finish_reason":"tool_calls"}]}""", Dialect.OPENAI, Dialect.ANTHROPIC,
                new Usage(), warnings);
        String clientId = response.at("/content/0/id").textValue();
        assertThat(clientId).isEqualTo("functions_search_0");
        // ... and the client's next request names the same id in tool_use and tool_result.
        JsonNode next = anthropicToOpenAi("{\"model\":\"c\",\"max_tokens\":1,\"messages\":[{\"role\":\"assistant\","
                + "\"content\":[{\"type\":\"tool_use\",\"id\":\"" + clientId + "\",\"name\":\"search\",\"input\":{}}]},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"" + clientId
                + "\",\"content\":\"r\"}]}]}", warnings);
        assertThat(next.at("/messages/0/tool_calls/0/id").textValue()).isEqualTo(clientId);
        assertThat(next.at("/messages/1/tool_call_id").textValue()).isEqualTo(clientId);
        // An OpenAI client sending an id that is not Anthropic-safe gets the same mapping in both places.
        JsonNode toAnthropic = WholeBodies.openAiToAnthropic("""
                {"model":"m","messages":[{"role":"assistant","tool_calls":[{"id":"functions.search:0","type":"function",
                 "function":{"name":"search","arguments":"{}"}}]},
                 {"role":"tool","tool_call_id":"functions.search:0","content":"r"}]}""", warnings);
        assertThat(toAnthropic.at("/messages/0/content/0/id").textValue()).isEqualTo(clientId);
        assertThat(toAnthropic.at("/messages/1/content/0/tool_use_id").textValue()).isEqualTo(clientId);
    }

    @Test
    void shouldRefuseUnknownUserBlocksAndRoles() {
        assertThatThrownBy(() -> anthropicToOpenAi("""
                {"model":"c","max_tokens":1,"messages":[{"role":"user","content":[{"type":"search_result"}]}]}""",
                warnings)).isInstanceOfSatisfying(TranslationException.class,
                        e -> assertThat(e.field()).isEqualTo("messages[0].content[0].type"));
        assertThatThrownBy(() -> anthropicToOpenAi("""
                {"model":"c","max_tokens":1,"messages":[{"role":"tool","content":"x"}]}""", warnings))
                .isInstanceOfSatisfying(TranslationException.class,
                        e -> assertThat(e.field()).isEqualTo("messages[0].role"));
        assertThatThrownBy(() -> anthropicToOpenAi("{\"model\":\"c\",\"max_tokens\":1}", warnings))
                .isInstanceOfSatisfying(TranslationException.class,
                        e -> assertThat(e.field()).isEqualTo("messages"));
    }
}
