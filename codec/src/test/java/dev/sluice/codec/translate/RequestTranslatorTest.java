package dev.sluice.codec.translate;

import static dev.sluice.codec.translate.WholeBodies.openAiToAnthropic;
import static dev.sluice.codec.translate.WholeBodies.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;

import dev.sluice.codec.Dialect;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** OpenAI chat requests to Anthropic Messages (PROVIDERS.md 6.1), and what both directions share. */
class RequestTranslatorTest {
    private final TranslationWarnings warnings = new TranslationWarnings();

    @Test
    void shouldMoveSystemAndDeveloperMessagesToTheTopInOrder() throws Exception {
        JsonNode out = openAiToAnthropic("""
                {"model":"gpt-4o","messages":[
                  {"role":"system","content":"First."},
                  {"role":"user","content":"Hi"},
                  {"role":"assistant","content":"Hello"},
                  {"role":"developer","content":[{"type":"text","text":"Second."},{"type":"text","text":"Third."}]},
                  {"role":"user","content":"Again"}]}""", warnings);
        assertThat(out.get("system")).isEqualTo(parse("""
                [{"type":"text","text":"First."},{"type":"text","text":"Second."},{"type":"text","text":"Third."}]"""));
        assertThat(out.get("messages")).isEqualTo(parse("""
                [{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"},
                 {"role":"user","content":"Again"}]"""));
        assertThat(warnings.droppedFields()).isEmpty();
    }

    @Test
    void shouldUseAPlainSystemStringForOneSystemMessageAndKeepPartContentsAsBlocks() throws Exception {
        JsonNode out = openAiToAnthropic("""
                {"model":"m","messages":[{"role":"system","content":[{"type":"text","text":"Be brief."}]},
                  {"role":"user","content":[{"type":"text","text":"One"},{"type":"text","text":"Two"}]}]}""",
                warnings);
        assertThat(out.get("system").textValue()).isEqualTo("Be brief.");
        assertThat(out.get("messages")).isEqualTo(parse("""
                [{"role":"user","content":[{"type":"text","text":"One"},{"type":"text","text":"Two"}]}]"""));
    }

    @Test
    void shouldMergeConsecutiveTurnsOfOneRoleAfterASystemMessageIsLifted() throws Exception {
        JsonNode out = openAiToAnthropic("""
                {"model":"m","messages":[{"role":"user","content":"A"},{"role":"system","content":"S"},
                  {"role":"user","content":"B"}]}""", warnings);
        assertThat(out.get("messages")).isEqualTo(parse("""
                [{"role":"user","content":[{"type":"text","text":"A"},{"type":"text","text":"B"}]}]"""));
    }

    @Test
    void shouldDropEmptyAndWhitespaceOnlyText() throws Exception {
        JsonNode out = openAiToAnthropic("""
                {"model":"m","messages":[
                  {"role":"system","content":" \\n "},
                  {"role":"user","content":"   "},
                  {"role":"user","content":[{"type":"text","text":""},{"type":"text","text":"real"}]},
                  {"role":"assistant","content":"\\t"},
                  {"role":"user","content":"next"}]}""", warnings);
        assertThat(out.has("system")).isFalse();
        assertThat(out.get("messages")).isEqualTo(parse("""
                [{"role":"user","content":[{"type":"text","text":"real"},{"type":"text","text":"next"}]}]"""));
        assertThat(warnings.droppedFields()).containsExactly("messages[0].content", "messages[1].content",
                "messages[2].content[0]", "messages[3].content", "messages[3]");
    }

    @Test
    void shouldTranslateImagesAndRefuseMediaTypesAnthropicDoesNotTake() throws Exception {
        JsonNode out = openAiToAnthropic("""
                {"model":"m","messages":[{"role":"user","content":[
                  {"type":"image_url","image_url":{"url":"data:image/webp;base64,UklGRg=="}},
                  {"type":"image_url","image_url":{"url":"data:image/jpg;base64,/9j/"}},
                  {"type":"image_url","image_url":{"url":"HTTP://example.com/a.gif","detail":"auto"}}]}]}""",
                warnings);
        assertThat(out.at("/messages/0/content")).isEqualTo(parse("""
                [{"type":"image","source":{"type":"base64","media_type":"image/webp","data":"UklGRg=="}},
                 {"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"/9j/"}},
                 {"type":"image","source":{"type":"url","url":"HTTP://example.com/a.gif"}}]"""));
        assertThat(warnings.droppedFields()).isEmpty();

        assertRefused("""
                {"model":"m","messages":[{"role":"user","content":[
                  {"type":"image_url","image_url":{"url":"data:image/bmp;base64,Qk0="}}]}]}""",
                "messages[0].content[0].image_url.url", "image/bmp");
        assertRefused("""
                {"model":"m","messages":[{"role":"user","content":[
                  {"type":"image_url","image_url":{"url":"data:image/png,rawbytes"}}]}]}""",
                "messages[0].content[0].image_url.url", "base64");
        assertRefused("""
                {"model":"m","messages":[{"role":"user","content":[
                  {"type":"image_url","image_url":{"url":"ftp://example.com/a.png"}}]}]}""",
                "messages[0].content[0].image_url.url", "http(s)");
        assertRefused("""
                {"model":"m","messages":[{"role":"user","content":[
                  {"type":"input_audio","input_audio":{"data":"AAAA","format":"wav"}}]}]}""",
                "messages[0].content[0].type", "input_audio");
    }

    @Test
    void shouldTranslatePdfFileDataToADocumentBlock() throws Exception {
        JsonNode out = openAiToAnthropic("""
                {"model":"m","messages":[{"role":"user","content":[{"type":"file",
                  "file":{"filename":"a.pdf","file_data":"data:application/pdf;base64,JVBERi0="}}]}]}""", warnings);
        assertThat(out.at("/messages/0/content/0")).isEqualTo(parse("""
                {"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0="},
                 "title":"a.pdf"}"""));
        assertRefused("""
                {"model":"m","messages":[{"role":"user","content":[{"type":"file","file":{"file_id":"file-1"}}]}]}""",
                "messages[0].content[0].file", "file_id");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "\"auto\"|{\"type\":\"auto\"}",
        "\"required\"|{\"type\":\"any\"}",
        "\"none\"|{\"type\":\"none\"}",
        "{\"type\":\"function\",\"function\":{\"name\":\"f\"}}|{\"type\":\"tool\",\"name\":\"f\"}"})
    void shouldTranslateEachToolChoiceForm(String openAi, String anthropic) throws Exception {
        JsonNode out = openAiToAnthropic("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],\"tool_choice\":" + openAi + "}",
                warnings);
        assertThat(out.get("tool_choice")).isEqualTo(parse(anthropic));
        assertThat(out.get("tools")).isEqualTo(parse("""
                [{"name":"f","input_schema":{"type":"object","properties":{}}}]"""));
    }

    @Test
    void shouldDisableParallelToolUseOnTheGivenChoiceOrOnAuto() throws Exception {
        String tools = "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"strict\":true,"
                + "\"parameters\":{\"type\":\"object\"}}}]";
        JsonNode out = openAiToAnthropic("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                + tools + ",\"parallel_tool_calls\":false}", warnings);
        assertThat(out.get("tool_choice")).isEqualTo(parse("{\"type\":\"auto\",\"disable_parallel_tool_use\":true}"));
        assertThat(out.get("tools")).isEqualTo(parse("""
                [{"name":"f","input_schema":{"type":"object"},"strict":true}]"""));
        out = openAiToAnthropic("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                + tools + ",\"tool_choice\":\"none\",\"parallel_tool_calls\":false}", warnings);
        assertThat(out.get("tool_choice")).isEqualTo(parse("{\"type\":\"none\",\"disable_parallel_tool_use\":true}"));
        out = openAiToAnthropic("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                + tools + ",\"parallel_tool_calls\":true}", warnings);
        assertThat(out.has("tool_choice")).isFalse();
        assertThat(warnings.droppedFields()).isEmpty();
    }

    @Test
    void shouldDropToolChoiceWithoutTools() throws Exception {
        JsonNode out = openAiToAnthropic("""
                {"model":"m","messages":[{"role":"user","content":"x"}],"tool_choice":"required",
                 "parallel_tool_calls":false}""", warnings);
        assertThat(out.has("tool_choice")).isFalse();
        assertThat(out.has("tools")).isFalse();
        assertThat(warnings.droppedFields()).containsExactly("tool_choice", "parallel_tool_calls");
    }

    @Test
    void shouldRefuseToolsAndChoicesAnthropicCannotExpress() {
        assertRefused("""
                {"model":"m","messages":[{"role":"user","content":"x"}],
                 "tools":[{"type":"custom","custom":{"name":"grammar"}}]}""", "tools[0].type", "custom");
        assertRefused("""
                {"model":"m","messages":[{"role":"user","content":"x"}],
                 "tools":[{"type":"function","function":{"name":"f"}}],
                 "tool_choice":{"type":"allowed_tools","allowed_tools":{"mode":"auto","tools":[]}}}""",
                "tool_choice.type", "allowed_tools");
        assertRefused("""
                {"model":"m","messages":[{"role":"user","content":"x"}],"functions":[{"name":"f"}]}""",
                "functions", "deprecated");
        assertRefused("""
                {"model":"m","messages":[{"role":"assistant","content":null,"tool_calls":[
                  {"id":"c","type":"custom","custom":{"name":"g","input":"x"}}]}]}""",
                "messages[0].tool_calls[0].type", "custom");
    }

    @Test
    void shouldTranslateToolCallsWithEmptyArgumentsAsEmptyInput() throws Exception {
        JsonNode out = openAiToAnthropic("""
                {"model":"m","messages":[{"role":"user","content":"x"},
                  {"role":"assistant","content":"Checking.","tool_calls":[
                    {"id":"call:1/a","type":"function","function":{"name":"now","arguments":""}},
                    {"id":"call_2","type":"function","function":{"name":"now"}}]}]}""", warnings);
        assertThat(out.at("/messages/1")).isEqualTo(parse("""
                {"role":"assistant","content":[{"type":"text","text":"Checking."},
                  {"type":"tool_use","id":"call_1_a","name":"now","input":{}},
                  {"type":"tool_use","id":"call_2","name":"now","input":{}}]}"""));
        assertRefused("""
                {"model":"m","messages":[{"role":"assistant","tool_calls":[
                  {"id":"c","type":"function","function":{"name":"f","arguments":"{\\"a\\":"}}]}]}""",
                "messages[0].tool_calls[0].function.arguments", "not valid JSON");
        assertRefused("""
                {"model":"m","messages":[{"role":"assistant","tool_calls":[
                  {"id":"c","type":"function","function":{"name":"f","arguments":"[1]"}}]}]}""",
                "messages[0].tool_calls[0].function.arguments", "an array");
    }

    @Test
    void shouldPutToolResultsRightAfterTheAssistantTurnBeforeOtherUserText() throws Exception {
        // A user message slipped between the tool calls and their results still ends up after the results.
        JsonNode out = openAiToAnthropic("""
                {"model":"m","messages":[
                  {"role":"assistant","content":null,"tool_calls":[
                    {"id":"a","type":"function","function":{"name":"f","arguments":"{}"}},
                    {"id":"b","type":"function","function":{"name":"f","arguments":"{}"}}]},
                  {"role":"user","content":"hurry"},
                  {"role":"tool","tool_call_id":"a","content":"1"},
                  {"role":"system","content":"Be nice."},
                  {"role":"tool","tool_call_id":"b","content":""}]}""", warnings);
        assertThat(out.get("messages")).isEqualTo(parse("""
                [{"role":"assistant","content":[{"type":"tool_use","id":"a","name":"f","input":{}},
                                                {"type":"tool_use","id":"b","name":"f","input":{}}]},
                 {"role":"user","content":[{"type":"tool_result","tool_use_id":"a","content":"1"},
                                           {"type":"tool_result","tool_use_id":"b"},
                                           {"type":"text","text":"hurry"}]}]"""));
        assertThat(out.get("system").textValue()).isEqualTo("Be nice.");
    }

    @Test
    void shouldTranslateStopTemperatureTopPAndUser() throws Exception {
        JsonNode out = openAiToAnthropic("""
                {"model":"m","messages":[{"role":"user","content":"x"}],"stop":["a","b","c","d"],
                 "temperature":2,"top_p":0.5,"safety_identifier":"sid","user":"u1"}""", warnings);
        assertThat(out.get("stop_sequences")).isEqualTo(parse("[\"a\",\"b\",\"c\",\"d\"]"));
        assertThat(out.get("temperature").doubleValue()).isEqualTo(1.0);
        assertThat(out.get("top_p").doubleValue()).isEqualTo(0.5);
        assertThat(out.get("metadata")).isEqualTo(parse("{\"user_id\":\"u1\"}"));
        assertThat(warnings.droppedFields()).containsExactly("temperature", "safety_identifier");

        warnings.clear();
        out = openAiToAnthropic("""
                {"model":"m","messages":[{"role":"user","content":"x"}],"temperature":1,"stop":null,
                 "safety_identifier":"sid"}""", warnings);
        assertThat(out.get("temperature").intValue()).isEqualTo(1);
        assertThat(out.has("stop_sequences")).isFalse();
        assertThat(out.get("metadata")).isEqualTo(parse("{\"user_id\":\"sid\"}"));
        assertThat(warnings.droppedFields()).isEmpty();
    }

    @Test
    void shouldPreferMaxCompletionTokensAndFallBackToTheDefault() throws Exception {
        assertThat(openAiToAnthropic("""
                {"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":10,
                 "max_completion_tokens":20}""", warnings).get("max_tokens").longValue()).isEqualTo(20);
        assertThat(openAiToAnthropic("""
                {"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":10}""", warnings)
                .get("max_tokens").longValue()).isEqualTo(10);
        assertThat(WholeBodies.request("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
                Dialect.OPENAI, Dialect.ANTHROPIC, "c", false, 777, warnings).get("max_tokens").longValue())
                .isEqualTo(777);
        assertRefused("{\"model\":\"m\",\"messages\":[],\"max_tokens\":\"ten\"}", "max_tokens", "integer");
    }

    @ParameterizedTest
    @CsvSource({"low,1024", "minimal,1024", "medium,4096", "high,16384", "xhigh,16384"})
    void shouldMapReasoningEffortToABudgetBelowMaxTokens(String effort, long budget) throws Exception {
        JsonNode out = openAiToAnthropic("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                + "\"reasoning_effort\":\"" + effort + "\",\"max_completion_tokens\":32000}", warnings);
        assertThat(out.get("thinking")).isEqualTo(parse("{\"type\":\"enabled\",\"budget_tokens\":" + budget + "}"));
        assertThat(out.get("max_tokens").longValue()).isEqualTo(32000);
        assertThat(warnings.droppedFields()).isEmpty();
    }

    @Test
    void shouldRaiseMaxTokensAboveTheBudgetWithAWarning() throws Exception {
        JsonNode out = openAiToAnthropic("""
                {"model":"m","messages":[{"role":"user","content":"x"}],"reasoning_effort":"high",
                 "temperature":0.2,"top_p":0.5}""", warnings);
        // The default 4096 is not above 16384: the answer keeps its 4096 on top of the budget.
        assertThat(out.get("max_tokens").longValue()).isEqualTo(16384 + 4096);
        assertThat(out.at("/thinking/budget_tokens").longValue()).isEqualTo(16384);
        assertThat(out.has("temperature")).isFalse();
        assertThat(out.has("top_p")).isFalse();
        assertThat(warnings.droppedFields()).containsExactly("max_tokens", "temperature", "top_p");
    }

    @Test
    void shouldNotThinkForEffortNoneOrAForcedTool() throws Exception {
        JsonNode out = openAiToAnthropic("""
                {"model":"m","messages":[{"role":"user","content":"x"}],"reasoning_effort":"none"}""", warnings);
        assertThat(out.has("thinking")).isFalse();
        assertThat(warnings.droppedFields()).isEmpty();
        out = openAiToAnthropic("""
                {"model":"m","messages":[{"role":"user","content":"x"}],"reasoning_effort":"low",
                 "tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"required"}""", warnings);
        assertThat(out.has("thinking")).isFalse();
        assertThat(warnings.droppedFields()).containsExactly("reasoning_effort");
        assertRefused("{\"model\":\"m\",\"messages\":[],\"reasoning_effort\":\"extreme\"}", "reasoning_effort",
                "extreme");
    }

    @Test
    void shouldTranslateJsonSchemaResponseFormatAndDropJsonObject() throws Exception {
        JsonNode out = openAiToAnthropic("""
                {"model":"m","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_schema",
                 "json_schema":{"name":"n","schema":{"type":"object","properties":{"a":{"type":"integer"}}}}}}""",
                warnings);
        assertThat(out.get("output_config")).isEqualTo(parse("""
                {"format":{"type":"json_schema","schema":{"type":"object","properties":{"a":{"type":"integer"}}}}}"""));
        out = openAiToAnthropic("""
                {"model":"m","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_object"}}""",
                warnings);
        assertThat(out.has("output_config")).isFalse();
        assertThat(warnings.droppedFields()).containsExactly("response_format");
    }

    @Test
    void shouldDropUnknownFieldsWithAWarningEach() throws Exception {
        JsonNode out = openAiToAnthropic("""
                {"model":"m","messages":[{"role":"user","content":"x","name":"bob"}],"logprobs":true,"seed":1,
                 "presence_penalty":0.1,"frequency_penalty":0.2,"store":true,"modalities":["text"],"brand_new":{},
                 "top_logprobs":null,"service_tier":"auto"}""", warnings);
        assertThat(warnings.droppedFields()).containsExactly("logprobs", "seed", "presence_penalty",
                "frequency_penalty", "store", "modalities", "brand_new", "service_tier", "messages[0].name");
        assertThat(out).isEqualTo(parse("""
                {"model":"claude-test","max_tokens":4096,"messages":[{"role":"user","content":"x"}]}"""));
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 0})
    void shouldRefuseMoreOrFewerThanOneChoice(int n) {
        assertRefused("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"n\":" + n + "}",
                "n", "n: " + n);
    }

    @Test
    void shouldRefuseBodiesOfTheWrongShape() {
        assertRefused("{\"model\":\"m\",\"messages\":\"hi\"}", "messages", "an array");
        assertRefused("{\"model\":\"m\",\"messages\":[{\"role\":\"function\",\"content\":\"x\"}]}",
                "messages[0].role", "function");
        assertRefused("{\"model\":\"m\",\"messages\":[{\"content\":\"x\"}]}", "messages[0].role", "missing");
        assertThatThrownBy(() -> openAiToAnthropic("{\"model\":", warnings))
                .isInstanceOf(TranslationException.class).hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> openAiToAnthropic("[1]", warnings))
                .isInstanceOf(TranslationException.class).hasMessageContaining("JSON object");
        assertThatThrownBy(() -> openAiToAnthropic("{} {}", warnings))
                .isInstanceOf(TranslationException.class).hasMessageContaining("not valid JSON");
    }

    @Test
    void shouldSetStreamFlagsForEachTarget() throws Exception {
        String body = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stream\":true}";
        JsonNode anthropic = WholeBodies.request(body, Dialect.OPENAI, Dialect.ANTHROPIC, "c", true, 10, warnings);
        assertThat(anthropic.get("stream").booleanValue()).isTrue();
        assertThat(anthropic.has("stream_options")).isFalse();
        JsonNode notStreamed = WholeBodies.request(body, Dialect.OPENAI, Dialect.ANTHROPIC, "c", false, 10, warnings);
        assertThat(notStreamed.has("stream")).isFalse();
        String messages = "{\"model\":\"c\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";
        JsonNode openAi = WholeBodies.request(messages, Dialect.ANTHROPIC, Dialect.OPENAI, "g", true, 10, warnings);
        assertThat(openAi.get("stream").booleanValue()).isTrue();
        assertThat(openAi.get("stream_options")).isEqualTo(parse("{\"include_usage\":true}"));
    }

    @Test
    void shouldOnlyRewriteModelAndStreamWithinOneDialect() throws Exception {
        JsonNode out = WholeBodies.request("""
                {"model":"alias","messages":[{"role":"user","content":"x"}],"logit_bias":{"1":2},
                 "stream_options":{"include_obfuscation":false}}""", Dialect.OPENAI, Dialect.OPENAI, "gpt-4o", true,
                10, warnings);
        assertThat(out).isEqualTo(parse("""
                {"model":"gpt-4o","messages":[{"role":"user","content":"x"}],"logit_bias":{"1":2},
                 "stream_options":{"include_obfuscation":false,"include_usage":true},"stream":true}"""));
        out = WholeBodies.request("""
                {"model":"alias","max_tokens":3,"messages":[],"stream":true,"top_k":3}""", Dialect.ANTHROPIC,
                Dialect.ANTHROPIC, "claude", false, 10, warnings);
        assertThat(out).isEqualTo(parse("{\"model\":\"claude\",\"max_tokens\":3,\"messages\":[],\"top_k\":3}"));
        assertThat(warnings.droppedFields()).isEmpty();
    }

    @Test
    void shouldKeepNonAsciiTextIntactAsUtf8() throws Exception {
        JsonNode out = openAiToAnthropic("""
                {"model":"m","messages":[{"role":"user","content":"caf\u00e9 \u4e2d \ud83d\ude00 \\"q\\""}]}""",
                warnings);
        assertThat(out.at("/messages/0/content").textValue()).isEqualTo("caf\u00e9 \u4e2d \ud83d\ude00 \"q\"");
    }

    private void assertRefused(String body, String field, String messagePart) {
        assertThatThrownBy(() -> openAiToAnthropic(body, warnings))
                .isInstanceOfSatisfying(TranslationException.class, e -> {
                    assertThat(e.field()).isEqualTo(field);
                    assertThat(e.getMessage()).contains(messagePart);
                });
    }
}
