package dev.callgate;

import dev.callgate.call.store.Call;
import dev.callgate.call.store.CallEvent;
import dev.callgate.support.Database;
import dev.callgate.support.KafkaBroker;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.persistence.Column;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A start logs no ERROR. The start-up log of this profile goes to a file of its own, and the entities agree with the
 * Flyway schema the way Hibernate's schema validation (run by dev mode after every start) checks them: every mapped
 * column exists, and a String column is {@code text} exactly when the entity declares {@code columnDefinition="text"}
 * (otherwise {@code varchar}) — the mismatch that logged an ERROR at every dev start.
 */
@QuarkusTest
@TestProfile(CleanStartTest.OwnLog.class)
@WithTestResource(KafkaBroker.class)
class CleanStartTest {

    static final Path LOG = Path.of("target", "clean-start-" + UUID.randomUUID() + ".log");

    public static class OwnLog implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.log.file.path", LOG.toString());
        }
    }

    @Test
    void theServiceStartsWithoutAnError() throws Exception {
        List<String> lines = Files.readAllLines(LOG);
        assertThat(lines).anyMatch(l -> l.contains("started in"));
        assertThat(lines).noneMatch(l -> l.contains(" ERROR "));
    }

    @Test
    void theEntitiesAgreeWithTheMigratedSchema() {
        for (Class<?> entity : List.of(Call.class, CallEvent.class)) {
            String table = entity.getAnnotation(Table.class).name();
            for (Field field : entity.getDeclaredFields()) {
                if (Modifier.isStatic(field.getModifiers()) || Modifier.isTransient(field.getModifiers())
                        || !Modifier.isPublic(field.getModifiers()) || field.getName().startsWith("$$_")) {
                    continue;
                }
                Column column = field.getAnnotation(Column.class);
                String name = column != null && !column.name().isEmpty() ? column.name()
                        : field.getName().replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase();
                List<String> type = Database.column("select data_type from information_schema.columns "
                        + "where table_name = ? and column_name = ?", table, name);
                assertThat(type).as("column %s.%s of %s.%s", table, name, entity.getSimpleName(), field.getName())
                        .hasSize(1);
                if (field.getType() == String.class && field.getAnnotation(Id.class) == null
                        && field.getAnnotation(Version.class) == null) {
                    boolean declaredText = column != null && "text".equalsIgnoreCase(column.columnDefinition());
                    assertThat(type.get(0)).as("type of %s.%s", table, name)
                            .isEqualTo(declaredText ? "text" : "character varying");
                }
            }
        }
    }
}
