/*
 * ep_app.h — the citizen app's API, /app/v1/...: activation (start → SMS code → verify →
 * complete); recovery (registry details + SMS → new secrets and device, level 1); new device
 * (password + SMS → new device key); login (challenge → passcode + device signature → app
 * session); /me. Requests and replies are JSON; errors are {"error", "error_description"} with a 4xx.
 *
 * Each step is rate-limited and logged; decisions are made by accounts.c (pure functions) and
 * written by one Lua script each, which re-checks the state it changes.
 */
#ifndef AUTHD_EP_APP_H
#define AUTHD_EP_APP_H

#include "req.h"

enum step ep_app_activation_start(struct req *r);
enum step ep_app_activation_verify(struct req *r);
enum step ep_app_activation_complete(struct req *r);
enum step ep_app_recovery_start(struct req *r);
enum step ep_app_recovery_verify(struct req *r);
enum step ep_app_recovery_complete(struct req *r);
enum step ep_app_device_start(struct req *r);
enum step ep_app_device_verify(struct req *r);
enum step ep_app_device_complete(struct req *r);
enum step ep_app_login_challenge(struct req *r);
enum step ep_app_login(struct req *r);
enum step ep_app_me(struct req *r);
enum step ep_app_level2_chip(struct req *r);

#endif
