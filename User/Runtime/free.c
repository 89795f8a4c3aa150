/* `free` for user tasks: Swift reserves the name, so it forwards to user_free. */
void user_free(void *pointer);
void free(void *pointer) { user_free(pointer); }
