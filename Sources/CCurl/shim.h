#ifndef GATECHECK_CCURL_SHIM_H
#define GATECHECK_CCURL_SHIM_H

#include <curl/curl.h>

/*
 * Swift cannot call C variadic functions, so curl_easy_setopt, curl_easy_getinfo and
 * curl_multi_setopt are wrapped here in typed, non-variadic static inline functions.
 * Each wrapper passes exactly the argument type libcurl expects for that option family
 * (long, curl_off_t, char *, void *, struct curl_slist *, callback pointer).
 */

/* --- curl_easy_setopt --------------------------------------------------------------- */

static inline CURLcode gc_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode gc_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

/* libcurl copies string options (except CURLOPT_POSTFIELDS), so `value` may be freed after the call. */
static inline CURLcode gc_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode gc_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

/* The list must stay alive until the transfer is done (libcurl does not copy it). */
static inline CURLcode gc_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode gc_easy_setopt_write_callback(CURL *handle, curl_write_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, callback);
}

/* Header callbacks have the same C signature as write callbacks. */
static inline CURLcode gc_easy_setopt_header_callback(CURL *handle, curl_write_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, callback);
}

/* Called before each request is sent on the connection it will use (CURLOPT_PREREQFUNCTION, libcurl 7.80). */
typedef int (*gc_prereq_callback)(void *clientp, char *conn_primary_ip, char *conn_local_ip,
                                  int conn_primary_port, int conn_local_port);

static inline CURLcode gc_easy_setopt_prereq_callback(CURL *handle, gc_prereq_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_PREREQFUNCTION, callback);
}

/* --- curl_easy_getinfo -------------------------------------------------------------- */

static inline CURLcode gc_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode gc_easy_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}

/* The returned string is owned by libcurl and valid until the handle is cleaned up. */
static inline CURLcode gc_easy_getinfo_string(CURL *handle, CURLINFO info, const char **value) {
    char *result = NULL;
    CURLcode code = curl_easy_getinfo(handle, info, &result);
    *value = result;
    return code;
}

static inline CURLcode gc_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value) {
    char *result = NULL;
    CURLcode code = curl_easy_getinfo(handle, info, &result);
    *value = (void *)result;
    return code;
}

/* --- curl_multi_setopt -------------------------------------------------------------- */

static inline CURLMcode gc_multi_setopt_long(CURLM *handle, CURLMoption option, long value) {
    return curl_multi_setopt(handle, option, value);
}

/* --- curl_multi_info_read ----------------------------------------------------------- */

/* CURLMsg carries its result in a union; these accessors keep Swift away from it. */
static inline int gc_msg_is_done(const CURLMsg *message) {
    return message->msg == CURLMSG_DONE;
}

static inline CURLcode gc_msg_result(const CURLMsg *message) {
    return message->data.result;
}

static inline CURL *gc_msg_easy_handle(const CURLMsg *message) {
    return message->easy_handle;
}

/* --- Constants Swift cannot import (macros built from casts or other macros) -------- */

static const long gc_global_all = CURL_GLOBAL_ALL;
static const int gc_error_size = CURL_ERROR_SIZE;
static const size_t gc_writefunc_pause = CURL_WRITEFUNC_PAUSE;

#endif /* GATECHECK_CCURL_SHIM_H */
