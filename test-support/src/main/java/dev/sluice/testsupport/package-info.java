/**
 * What every module's tests run under, and nothing the gateway ships: {@link SafetyNet}, a JUnit extension that
 * each module finds on its test class path (through {@code META-INF/services}, with the extension auto-detection
 * the root pom turns on) and that fails a test class on a leaked buffer, a blocking call on a Netty event loop, a
 * journal queue written by two threads or a watched secret in a log line. Depends on no Sluice module.
 * <p>
 * Threading: the extension's callbacks run on JUnit's thread; its records are filled from any thread.
 */
package dev.sluice.testsupport;
