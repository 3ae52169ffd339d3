package io.vmarena.ops;

/** The operations of the scenario language, by their keyword. */
enum OpKind {
    WINDOW("window"),
    MAP("map"),
    UNMAP("unmap"),
    PROTECT("protect"),
    TOUCH("touch"),
    FILL("fill"),
    CHECK("check"),
    MOVE("move"),
    REMAP("remap"),
    LOCK("lock"),
    UNLOCK("unlock"),
    ADVISE("advise"),
    MAPS("maps"),
    LOCKED("locked");

    private final String keyword;

    OpKind(final String keyword) {
        this.keyword = keyword;
    }

    String keyword() {
        return keyword;
    }

    static OpKind of(final String keyword) {
        for (final OpKind kind : values()) {
            if (kind.keyword.equals(keyword)) {
                return kind;
            }
        }
        return null;
    }
}
