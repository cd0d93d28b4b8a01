/**
 * Support for loading the configuration, not API: {@link LocatedYaml} parses a YAML document into a Jackson tree
 * and remembers the line of every value, so that {@code dev.sluice.routing.config.ConfigLoader} can report each
 * error as {@code file:line: field}. Public only for that package; no other module may name it.
 * <p>
 * It parses the text it is given and reads no file itself, and it knows nothing of the configuration's fields.
 * <p>
 * Threading: confined to the thread that loads the configuration (at start, or the reloader's thread), never an
 * event loop.
 */
package dev.sluice.routing.internal;
