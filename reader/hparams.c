/*
 * hparams.c — the hparams plugin data of a run (session start/end and
 * experiment), decoded with protobuf-c when an _hparams_ value is indexed.
 *
 * Layer: reader. These records are few and small, so they are kept
 * decoded in memory (unlike images), ready for runs.csv and hparams.json.
 */
#include "run_i.h"
#include "tbfs.pb-c.h"

#include <stdlib.h>

static const char *keep(struct tbr_hp_store *hp, char *s)
{
	if (!s)
		return NULL;
	if (hp->nstrings == hp->cap_strings) {
		size_t cap = hp->cap_strings ? hp->cap_strings * 2 : 16;
		char **ns = realloc(hp->strings, cap * sizeof(*ns));

		if (!ns) {
			free(s);
			return NULL;
		}
		hp->strings = ns;
		hp->cap_strings = cap;
	}
	hp->strings[hp->nstrings++] = s;
	return s;
}

void tbr_hparams_clear(struct tbr_hp_store *hp)
{
	for (size_t i = 0; i < hp->nstrings; i++)
		free(hp->strings[i]);
	free(hp->strings);
	free(hp->params);
	free(hp->exp_hparams);
	free(hp->exp_metrics);
	memset(hp, 0, sizeof(*hp));
}

/* A growable string for the JSON text of struct and list values. */
struct sbuf {
	char *p;
	size_t n, cap;
	bool bad;
};

static void sb_put(struct sbuf *b, const char *s, size_t n)
{
	if (b->bad)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		while (cap < b->n + n + 1)
			cap *= 2;
		char *np = realloc(b->p, cap);
		if (!np) {
			b->bad = true;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = 0;
}

static void sb_str(struct sbuf *b, const char *s)
{
	sb_put(b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[8];

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			sb_put(b, esc, 2);
		} else if (c < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			sb_put(b, esc, 6);
		} else {
			sb_put(b, (const char *)&c, 1);
		}
	}
	sb_put(b, "\"", 1);
}

static void sb_value(struct sbuf *b, const Tbfs__Value *v, int depth)
{
	char num[40];

	if (!v || depth > 32) {
		sb_put(b, "null", 4);
		return;
	}
	switch (v->kind_case) {
	case TBFS__VALUE__KIND_NUMBER_VALUE:
		if (v->number_value != v->number_value ||
		    v->number_value - v->number_value != 0)
			sb_put(b, "null", 4); /* JSON has no nan/inf */
		else
			sb_put(b, num, (size_t)snprintf(num, sizeof(num), "%.17g",
						       v->number_value));
		break;
	case TBFS__VALUE__KIND_STRING_VALUE:
		sb_str(b, v->string_value);
		break;
	case TBFS__VALUE__KIND_BOOL_VALUE:
		if (v->bool_value)
			sb_put(b, "true", 4);
		else
			sb_put(b, "false", 5);
		break;
	case TBFS__VALUE__KIND_STRUCT_VALUE:
		sb_put(b, "{", 1);
		for (size_t i = 0; v->struct_value &&
				   i < v->struct_value->n_fields; i++) {
			if (i)
				sb_put(b, ",", 1);
			sb_str(b, v->struct_value->fields[i]->key);
			sb_put(b, ":", 1);
			sb_value(b, v->struct_value->fields[i]->value, depth + 1);
		}
		sb_put(b, "}", 1);
		break;
	case TBFS__VALUE__KIND_LIST_VALUE:
		sb_put(b, "[", 1);
		for (size_t i = 0; v->list_value && i < v->list_value->n_values;
		     i++) {
			if (i)
				sb_put(b, ",", 1);
			sb_value(b, v->list_value->values[i], depth + 1);
		}
		sb_put(b, "]", 1);
		break;
	default:
		sb_put(b, "null", 4);
	}
}

static int cmp_param(const void *a, const void *b)
{
	return strcmp(((const struct tbr_hparam *)a)->name,
		      ((const struct tbr_hparam *)b)->name);
}

static tbr_status apply_start(struct tbr_hp_store *hp,
			      const Tbfs__SessionStartInfo *s)
{
	struct tbr_hparam *params = calloc(s->n_hparams ? s->n_hparams : 1,
					   sizeof(*params));
	if (!params)
		return TBR_ERR_NOMEM;
	for (size_t i = 0; i < s->n_hparams; i++) {
		const Tbfs__SessionStartInfo__HparamsEntry *e = s->hparams[i];
		struct tbr_hparam *p = &params[i];
		const Tbfs__Value *v = e->value;

		p->name = keep(hp, strdup(e->key ? e->key : ""));
		if (!p->name) {
			free(params);
			return TBR_ERR_NOMEM;
		}
		p->type = TBR_HP_NULL;
		if (!v)
			continue;
		switch (v->kind_case) {
		case TBFS__VALUE__KIND_NUMBER_VALUE:
			p->type = TBR_HP_NUMBER;
			p->number = v->number_value;
			break;
		case TBFS__VALUE__KIND_STRING_VALUE:
			p->type = TBR_HP_STRING;
			p->string = keep(hp, strdup(v->string_value));
			break;
		case TBFS__VALUE__KIND_BOOL_VALUE:
			p->type = TBR_HP_BOOL;
			p->number = v->bool_value ? 1 : 0;
			break;
		case TBFS__VALUE__KIND_STRUCT_VALUE:
		case TBFS__VALUE__KIND_LIST_VALUE: {
			struct sbuf b = {0};

			sb_value(&b, v, 0);
			p->type = TBR_HP_OTHER;
			p->string = b.bad ? NULL : keep(hp, b.p);
			if (b.bad)
				free(b.p);
			break;
		}
		default:
			break;
		}
		if ((p->type == TBR_HP_STRING || p->type == TBR_HP_OTHER) &&
		    !p->string) {
			free(params);
			return TBR_ERR_NOMEM;
		}
	}
	/* later session_start_info replaces earlier (last one wins) */
	free(hp->params);
	hp->params = params;
	qsort(params, s->n_hparams, sizeof(*params), cmp_param);
	hp->pub.params = params;
	hp->pub.count = s->n_hparams;
	hp->pub.has_session_start = true;
	hp->pub.group_name = keep(hp, strdup(s->group_name ? s->group_name : ""));
	hp->pub.model_uri = keep(hp, strdup(s->model_uri ? s->model_uri : ""));
	hp->pub.start_time_secs = s->start_time_secs;
	return TBR_OK;
}

static tbr_status apply_experiment(struct tbr_hp_store *hp,
				   const Tbfs__Experiment *e)
{
	const char **hn = calloc(e->n_hparam_infos + 1, sizeof(*hn));
	const char **mn = calloc(e->n_metric_infos + 1, sizeof(*mn));

	if (!hn || !mn) {
		free(hn);
		free(mn);
		return TBR_ERR_NOMEM;
	}
	for (size_t i = 0; i < e->n_hparam_infos; i++)
		hn[i] = keep(hp, strdup(e->hparam_infos[i]->name ?
						e->hparam_infos[i]->name : ""));
	for (size_t i = 0; i < e->n_metric_infos; i++) {
		const Tbfs__MetricInfo *m = e->metric_infos[i];
		const char *tag = m->name && m->name->tag ? m->name->tag : "";
		const char *grp = m->name && m->name->group ? m->name->group : "";
		char *s = malloc(strlen(tag) + strlen(grp) + 2);

		if (s) {
			if (*grp)
				sprintf(s, "%s/%s", grp, tag);
			else
				strcpy(s, tag);
		}
		mn[i] = keep(hp, s);
	}
	free(hp->exp_hparams);
	free(hp->exp_metrics);
	hp->exp_hparams = hn;
	hp->exp_metrics = mn;
	hp->pub.has_experiment = true;
	hp->pub.experiment_hparam_count = e->n_hparam_infos;
	hp->pub.experiment_hparams = hn;
	hp->pub.experiment_metric_count = e->n_metric_infos;
	hp->pub.experiment_metrics = mn;
	return TBR_OK;
}

tbr_status tbr_hparams_apply(struct tbr_run *run, const uint8_t *payload,
			     size_t len, uint32_t value_index)
{
	Tbfs__Event *e = tbfs__event__unpack(NULL, len, payload);
	Tbfs__HParamsPluginData *hd = NULL;
	tbr_status st = TBR_ERR_DECODE;

	if (!e)
		return TBR_ERR_DECODE;
	if (e->what_case != TBFS__EVENT__WHAT_SUMMARY ||
	    value_index >= e->summary->n_value)
		goto out;
	const Tbfs__Summary__Value *v = e->summary->value[value_index];
	if (!v->metadata || !v->metadata->plugin_data)
		goto out;
	const ProtobufCBinaryData *c = &v->metadata->plugin_data->content;
	hd = tbfs__hparams_plugin_data__unpack(NULL, c->len, c->data);
	if (!hd)
		goto out;
	switch (hd->data_case) {
	case TBFS__HPARAMS_PLUGIN_DATA__DATA_SESSION_START_INFO:
		st = apply_start(&run->hp, hd->session_start_info);
		break;
	case TBFS__HPARAMS_PLUGIN_DATA__DATA_SESSION_END_INFO:
		run->hp.pub.has_session_end = true;
		run->hp.pub.end_status = hd->session_end_info->status;
		run->hp.pub.end_time_secs = hd->session_end_info->end_time_secs;
		st = TBR_OK;
		break;
	case TBFS__HPARAMS_PLUGIN_DATA__DATA_EXPERIMENT:
		st = apply_experiment(&run->hp, hd->experiment);
		break;
	default:
		st = TBR_OK;
	}
out:
	if (hd)
		tbfs__hparams_plugin_data__free_unpacked(hd, NULL);
	tbfs__event__free_unpacked(e, NULL);
	return st;
}
