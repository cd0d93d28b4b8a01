package dev.sluice.journal;

/** Record builders shared by the tests. */
final class Records {
    private Records() {
    }

    static RequestRecord request(RequestRecord r, long id, long wallTimeMicros) {
        return r.reset().requestId(id).wallTimeMicros(wallTimeMicros).keyId("key_" + (id % 7)).user("user" + id)
            .team("team-a").project("proj").useCase("chat").endpoint((byte) 1).requestedModel("gpt-4o-mini")
            .stream((id & 1) == 0).clientAddress("127.0.0.1");
    }

    static EndRecord ok(EndRecord e, long id, long wallTimeMicros) {
        return e.reset().requestId(id).wallTimeMicros(wallTimeMicros).status(200).outcome(Outcome.OK)
            .provider("openai").deployment("openai-east").servedModel("gpt-4o-mini-2024-07-18").ttftMicros(120_500)
            .totalMicros(987_654).tokensIn(12).tokensOut(34).tokensCached(0).costMicros(1_234)
            .truncated(false).tokensEstimated(false);
    }
}
