/* version.h - scalekit's version and the record schema version.
 * Bump SCALEKIT_SCHEMA only when a record field changes meaning; new fields
 * may be added without a bump, none is ever renamed. */
#ifndef SCALEKIT_VERSION_H
#define SCALEKIT_VERSION_H

#define SCALEKIT_VERSION "0.1.0"
#define SCALEKIT_SCHEMA 1

#endif
