package dev.sluice.codec.translate;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What a translation dropped because the target dialect has no place for it (a field, a block type), collected
 * per request so the gateway can count and log it. Confined to one thread.
 */
public final class TranslationWarnings {
    private final List<String> dropped = new ArrayList<>(2);

    /** Records that {@code field} (a JSON path such as {@code logit_bias} or {@code messages[1].content[0]}) was dropped. */
    public void dropped(String field) {
        dropped.add(field);
    }

    /** Returns the dropped fields, in the order they were met. */
    public List<String> droppedFields() {
        return Collections.unmodifiableList(dropped);
    }

    public int count() {
        return dropped.size();
    }

    public void clear() {
        dropped.clear();
    }
}
