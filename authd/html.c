/* html.c — see html.h. */
#include "html.h"

#include <string.h>

#include "clients.h"

#define VI 0
#define EN 1

static int lang(const char *locale)
{
	return locale != NULL && strcmp(locale, "en") == 0 ? EN : VI;
}

static const char *const msgs[][2] = {
	[HTML_MSG_NONE] = { "", "" },
	[HTML_MSG_BAD_LOGIN] = { "Số định danh, mật khẩu hoặc mã xác thực không đúng.",
		                 "The ID number, password or code is wrong." },
	[HTML_MSG_LOCKED] = { "Tài khoản tạm khóa do nhập sai nhiều lần. Vui lòng thử lại sau.",
		              "The account is locked after too many failures. Try again later." },
	[HTML_MSG_REVOKED] = { "Tài khoản định danh điện tử đã bị thu hồi. Vui lòng liên hệ cơ quan "
		               "Công an nơi cư trú.",
		               "This eID account is revoked. Please contact your local police "
		               "office." },
	[HTML_MSG_SMS_SENT] = { "Mã xác thực đã được gửi tới số điện thoại ",
		                "A code was sent by SMS to " },
	[HTML_MSG_NEED_OTP] = { "Nhập mã xác thực từ ứng dụng, hoặc yêu cầu mã qua SMS.",
		                "Enter the code from the app, or ask for one by SMS." },
	[HTML_MSG_RATE_LIMITED] = { "Quá nhiều lần thử từ mạng này. Vui lòng thử lại sau.",
		                    "Too many attempts from this network. Try again later." },
	[HTML_MSG_UNAVAILABLE] = { "Hệ thống đang bận. Vui lòng thử lại.",
		                   "The service is busy. Please try again." },
	[HTML_MSG_NEEDS_APP] = { "Dịch vụ này yêu cầu tài khoản mức 2: hãy quét mã QR bằng ứng dụng "
		                 "VNeID.",
		                 "This service needs a level-2 account: scan the QR code with the eID "
		                 "app." },
};

static const char *const scope_text[][2] = {
	{ "openid", "Mã định danh riêng cho dịch vụ này|An identifier for this service only" },
	{ "profile", "Họ tên, ngày sinh, giới tính|Name, date of birth, sex" },
	{ "phone", "Số điện thoại|Phone number" },
	{ "address", "Nơi cư trú|Address of residence" },
	{ "citizen_id", "Số định danh cá nhân|Personal ID number" },
	{ "offline_access", "Duy trì đăng nhập|Stay signed in" },
};

#define HEAD                                                                                       \
	"<!doctype html><html lang=\"%s\"><head><meta charset=\"utf-8\">"                          \
	"<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>%s</title>" \
	"<style>body{font-family:system-ui,sans-serif;margin:0;background:#f4f4f4;color:#222}"    \
	"main{max-width:26rem;margin:2rem auto;background:#fff;padding:1.5rem;border-radius:8px}" \
	"h1{font-size:1.3rem;color:#b71c1c}label{display:block;margin:.8rem 0 .2rem}"              \
	"input{width:100%%;box-sizing:border-box;padding:.6rem;font-size:1rem}"                    \
	"button{margin-top:1rem;width:100%%;padding:.7rem;font-size:1rem}"                         \
	".msg{background:#fff3e0;padding:.6rem;border-radius:4px}.rp{font-weight:bold}"           \
	"ul{padding-left:1.2rem}.qr{text-align:center}code{word-break:break-all}"                 \
	"</style></head><body><main>"
#define TAIL "</main></body></html>"

char *html_esc(struct arena *a, const char *s)
{
	size_t n = 0;
	char *out, *o;

	if (s == NULL)
		return arena_strdup(a, "");
	for (const char *p = s; *p; p++)
		n += strchr("&<>\"'", *p) != NULL ? 6 : 1;
	if ((out = arena_alloc(a, n + 1)) == NULL)
		return NULL;
	o = out;
	for (const char *p = s; *p; p++) {
		switch (*p) {
		case '&': o = stpcpy(o, "&amp;"); break;
		case '<': o = stpcpy(o, "&lt;"); break;
		case '>': o = stpcpy(o, "&gt;"); break;
		case '"': o = stpcpy(o, "&quot;"); break;
		case '\'': o = stpcpy(o, "&#39;"); break;
		default: *o++ = *p;
		}
	}
	*o = '\0';
	return out;
}

/* The QR block: the image (refreshed every second) and, in development, its payload as text;
 * a bounded script long-polls the transaction's status (each ask returns when it changes, see
 * notify.c) and moves on when the app has decided. */
static char *qr_block(struct arena *a, const struct html_login *p, int l)
{
	const char *q = html_esc(a, p->qid), *n = html_esc(a, p->nonce);

	if (q == NULL || n == NULL)
		return NULL;
	return arena_printf(
	        a,
	        "<div class=\"qr\"><p>%s</p><img id=\"qr\" src=\"/qr/image?qid=%s\" width=\"240\" "
	        "height=\"240\" alt=\"QR\"><p><code id=\"qrp\"%s></code></p>"
	        "<p id=\"qrs\" role=\"status\"></p></div>"
	        "<script nonce=\"%s\">(function(){var q='%s',i=document.getElementById('qr'),"
	        "p=document.getElementById('qrp'),m=document.getElementById('qrs'),n=0,k=0,"
	        "s='pending';function t(){if(n++>180||s==='end')return;"
	        "i.src='/qr/image?qid='+q+'&n='+n;if(!p.hidden)fetch('/qr/payload?qid='+q).then("
	        "function(r){return r.ok?r.text():''}).then(function(x){p.textContent=x});"
	        "setTimeout(t,1000)}function w(){if(k++>60)return;"
	        "fetch('/qr/status?qid='+q+'&since='+s).then(function(r){return r.json()}).then("
	        "function(x){if(x.status==='approved'||x.status==='denied'){s='end';"
	        "location='/qr/complete?qid='+q}else if(x.status==='expired'){s='end';"
	        "m.textContent='%s'}else{if(x.status==='scanned')m.textContent='%s';"
	        "if(x.status)s=x.status;w()}}).catch(function(){setTimeout(w,2000)})}"
	        "setTimeout(t,1000);w()})();</script>",
	        l == EN ? "Scan with the eID app, or log in below"
	                : "Quét mã bằng ứng dụng VNeID, hoặc đăng nhập bên dưới",
	        q, p->dev_payload ? "" : " hidden", n, q,
	        l == EN ? "This code has expired: reload the page" : "Mã đã hết hạn: hãy tải lại trang",
	        l == EN ? "Scanned: confirm in the app" : "Đã quét: hãy xác nhận trên ứng dụng");
}

char *html_login(struct arena *a, const struct html_login *p)
{
	int l = lang(p->locale);
	char *qr = p->qid != NULL ? qr_block(a, p, l) : arena_strdup(a, "");
	const char *name = html_esc(a, p->client_name), *id = html_esc(a, p->id_number);
	const char *phone = html_esc(a, p->phone), *tid = html_esc(a, p->tid);
	const char *csrf = html_esc(a, p->csrf);
	char *msg;

	if (name == NULL || id == NULL || phone == NULL || tid == NULL || csrf == NULL || qr == NULL)
		return NULL;
	if (p->qr_only)
		return arena_printf(a, HEAD "<h1>%s</h1><p>%s <span class=\"rp\">%s</span></p>"
		                         "<p class=\"msg\">%s</p>%s" TAIL,
		                    l == EN ? "en" : "vi", l == EN ? "Log in with eID" : "Đăng nhập VNeID",
		                    l == EN ? "Log in with eID" : "Đăng nhập tài khoản định danh điện tử",
		                    l == EN ? "to continue to" : "để tiếp tục tới", name,
		                    msgs[HTML_MSG_NEEDS_APP][l], qr);
	msg = p->msg == HTML_MSG_NONE
	              ? arena_strdup(a, "")
	              : arena_printf(a, "<p class=\"msg\" role=\"alert\">%s%s</p>", msgs[p->msg][l],
	                             p->msg == HTML_MSG_SMS_SENT ? phone : "");
	if (msg == NULL)
		return NULL;
	return arena_printf(
	        a,
	        HEAD "<h1>%s</h1><p>%s <span class=\"rp\">%s</span></p>%s%s"
	             "<form method=\"post\" action=\"/login\">"
	             "<input type=\"hidden\" name=\"tid\" value=\"%s\">"
	             "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
	             "<label for=\"id_number\">%s</label>"
	             "<input id=\"id_number\" name=\"id_number\" inputmode=\"numeric\" "
	             "autocomplete=\"username\" maxlength=\"12\" value=\"%s\" required>"
	             "<label for=\"password\">%s</label>"
	             "<input id=\"password\" name=\"password\" type=\"password\" "
	             "autocomplete=\"current-password\" maxlength=\"64\" required>"
	             "<label for=\"otp\">%s</label>"
	             "<input id=\"otp\" name=\"otp\" inputmode=\"numeric\" "
	             "autocomplete=\"one-time-code\" maxlength=\"6\">"
	             "<button name=\"action\" value=\"login\" type=\"submit\">%s</button>"
	             "<button name=\"action\" value=\"sms\" type=\"submit\">%s</button>"
	             "</form>" TAIL,
	        l == EN ? "en" : "vi", l == EN ? "Log in with eID" : "Đăng nhập VNeID",
	        l == EN ? "Log in with eID" : "Đăng nhập tài khoản định danh điện tử",
	        l == EN ? "to continue to" : "để tiếp tục tới", name, msg, qr, tid, csrf,
	        l == EN ? "Personal ID number" : "Số định danh cá nhân", id,
	        l == EN ? "Password" : "Mật khẩu",
	        l == EN ? "Code from the eID app (or SMS)" : "Mã xác thực từ ứng dụng (hoặc SMS)",
	        l == EN ? "Log in" : "Đăng nhập",
	        l == EN ? "Send me an SMS code" : "Gửi mã qua SMS");
}

char *html_consent(struct arena *a, const char *locale, const char *tid, const char *csrf,
                   const char *client_name, unsigned scopes)
{
	int l = lang(locale);
	char *items = arena_strdup(a, ""), *name = html_esc(a, client_name);

	if (items == NULL || name == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof(scope_text) / sizeof(scope_text[0]); i++) {
		unsigned bit;
		const char *t = scope_text[i][1], *bar = strchr(t, '|');

		if (clients_scope_parse(scope_text[i][0], &bit, &(struct errbuf){ 0 }) != 0 ||
		    (scopes & bit) == 0)
			continue;
		items = l == EN ? arena_printf(a, "%s<li>%s</li>", items, bar + 1)
		                : arena_printf(a, "%s<li>%.*s</li>", items, (int)(bar - t), t);
		if (items == NULL)
			return NULL;
	}
	return arena_printf(
	        a,
	        HEAD "<h1>%s</h1><p><span class=\"rp\">%s</span> %s</p><ul>%s</ul>"
	             "<form method=\"post\" action=\"/consent\">"
	             "<input type=\"hidden\" name=\"tid\" value=\"%s\">"
	             "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
	             "<button name=\"decision\" value=\"allow\" type=\"submit\">%s</button>"
	             "<button name=\"decision\" value=\"deny\" type=\"submit\">%s</button>"
	             "</form>" TAIL,
	        l == EN ? "en" : "vi", l == EN ? "Share your information" : "Chia sẻ thông tin",
	        l == EN ? "Share your information" : "Chia sẻ thông tin", name,
	        l == EN ? "will receive:" : "sẽ nhận được:", items, html_esc(a, tid),
	        html_esc(a, csrf), l == EN ? "Allow" : "Đồng ý", l == EN ? "Deny" : "Từ chối");
}

char *html_error(struct arena *a, const char *locale, const char *title, const char *detail)
{
	int l = lang(locale);
	const char *t = html_esc(a, title), *d = html_esc(a, detail);

	if (t == NULL || d == NULL)
		return NULL;
	return arena_printf(a, HEAD "<h1>%s</h1><p>%s</p><p>%s</p>" TAIL, l == EN ? "en" : "vi", t,
	                    t, d,
	                    l == EN ? "Return to the service you came from and try again."
	                            : "Vui lòng quay lại trang dịch vụ và thử lại.");
}

char *html_logout(struct arena *a, const char *locale, int done, const char *csrf,
                  const char *client_id, const char *post_logout_redirect_uri, const char *state)
{
	int l = lang(locale);
	const char *c = html_esc(a, csrf), *cid = html_esc(a, client_id);
	const char *u = html_esc(a, post_logout_redirect_uri), *st = html_esc(a, state);

	if (c == NULL || cid == NULL || u == NULL || st == NULL)
		return NULL;
	if (done)
		return arena_printf(a, HEAD "<h1>%s</h1><p>%s</p>" TAIL, l == EN ? "en" : "vi",
		                    l == EN ? "Logged out" : "Đã đăng xuất",
		                    l == EN ? "Logged out" : "Đã đăng xuất",
		                    l == EN ? "You are logged out of your eID account on this browser."
		                            : "Bạn đã đăng xuất tài khoản định danh điện tử trên trình "
		                              "duyệt này.");
	return arena_printf(
	        a,
	        HEAD "<h1>%s</h1><form method=\"post\" action=\"/logout\">"
	             "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
	             "<input type=\"hidden\" name=\"client_id\" value=\"%s\">"
	             "<input type=\"hidden\" name=\"post_logout_redirect_uri\" value=\"%s\">"
	             "<input type=\"hidden\" name=\"state\" value=\"%s\">"
	             "<button name=\"confirm\" value=\"yes\" type=\"submit\">%s</button></form>" TAIL,
	        l == EN ? "en" : "vi", l == EN ? "Log out?" : "Đăng xuất?",
	        l == EN ? "Log out of your eID account?" : "Đăng xuất tài khoản định danh điện tử?", c,
	        cid, u, st, l == EN ? "Log out" : "Đăng xuất");
}
