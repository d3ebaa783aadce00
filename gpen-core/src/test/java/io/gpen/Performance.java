package io.gpen;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * Marks a test whose verdict depends on the machine: a wall-clock or resident-memory bound. Such
 * tests stay out of the unit suite ({@code mvn -B test}) and run on their own with {@code mvn -B
 * test -Dgroups=performance -Dtest.excludedGroups=}; speed itself is measured by {@code gpen
 * bench}.
 */
@Target({ElementType.METHOD, ElementType.TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Tag("performance")
public @interface Performance {}
