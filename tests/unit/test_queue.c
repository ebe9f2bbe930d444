// SPDX-License-Identifier: GPL-2.0
/* Queue naming and classification, and the display view's sort and filter. */
#include "unit.h"
#include "core/queue.h"
#include "core/view.h"

static void types_from_names(void)
{
	ASSERT_STREQ(vq_type_name(vq_type_of("input.3", "virtio_net", 6)), "rx");
	ASSERT_STREQ(vq_type_name(vq_type_of("output.0", "virtio_net", 1)), "tx");
	ASSERT_STREQ(vq_type_name(vq_type_of("control", "virtio_net", 2)), "ctrl");
	ASSERT_STREQ(vq_type_name(vq_type_of("req.0", "virtio_blk", 0)), "req");
	ASSERT_STREQ(vq_type_name(vq_type_of("stats", "virtio_balloon", 3)), "other");
	/* unnamed netdev-path and vhost queues: even rx, odd tx */
	ASSERT_STREQ(vq_type_name(vq_type_of("", "virtio_net", 4)), "rx");
	ASSERT_STREQ(vq_type_name(vq_type_of("", "vhost", 1)), "tx");
}

static void names_filled_in(void)
{
	struct vq_key key = {.dev = 7, .queue = 3, .source = VQ_SRC_VIRTIO};
	struct vq_info info = {.driver = "virtio_net"};
	struct vq_ident id;

	vq_ident_init(&id, &key, &info);
	ASSERT_STREQ(id.dev, "virtio7");
	ASSERT_STREQ(id.queue, "output.1");
	ASSERT_EQ(id.type, VQ_TYPE_TX);
	vq_ident_init(&id, &key, NULL);
	ASSERT_STREQ(id.driver, "-");
	ASSERT_STREQ(id.queue, "vq3");
}

static void view_sorts_and_filters(void)
{
	struct vq_sample s[3] = {};
	struct vq_period p = {.n = 3, .s = s};
	const struct vq_sample *out[3];
	struct vq_ident ids[3];
	struct view v = {};
	char err[64];

	for (int i = 0; i < 3; i++) {
		struct vq_key key = {.dev = i, .queue = 0, .source = VQ_SRC_VIRTIO};
		struct vq_info info = {};

		strcpy(info.queue_name, i == 1 ? "req.0" : "input.0");
		strcpy(info.driver, i == 1 ? "virtio_blk" : "virtio_net");
		vq_ident_init(&ids[i], &key, &info);
		s[i].id = &ids[i];
		s[i].irq_rate = 10 * (i + 1);
	}
	ASSERT_EQ(view_parse_sort("irqs", &v), 0);
	ASSERT_EQ(view_select(&v, &p, out), 3);
	ASSERT_STREQ(out[0]->id->dev, "virtio2"); /* figures: highest first */
	ASSERT_EQ(view_parse_sort("+irqs", &v), 0);
	view_select(&v, &p, out);
	ASSERT_STREQ(out[0]->id->dev, "virtio0");
	ASSERT_EQ(view_parse_sort("bogus", &v), -1);
	ASSERT_EQ(view_set_filter(&v, "virtio_net.*rx", err, sizeof(err)), 0);
	ASSERT_EQ(view_select(&v, &p, out), 2);
	view_free(&v);
	ASSERT_TRUE(view_set_filter(&v, "([", err, sizeof(err)) != 0);
}

int main(int argc, char **argv)
{
	RUN("queue", types_from_names);
	RUN("queue", names_filled_in);
	RUN("queue", view_sorts_and_filters);
	return 0;
}
