package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/onairhq/onair/models"
	"github.com/onairhq/onair/posting/x"
	"github.com/onairhq/onair/scheduler"
)

// xReadPrice is what X charges for reading one post on pay-per-use, in US dollars:
// ONAIR_X_PRICE_READ overrides the published price.
func xReadPrice() float64 {
	raw := strings.TrimPrefix(strings.TrimSpace(getenv("ONAIR_X_PRICE_READ")), "$")
	if f, err := strconv.ParseFloat(raw, 64); err == nil && f >= 0 {
		return f
	}
	return x.ReadCostUSD
}

// addReadCost adds to c what reading the engagement of the plan's X posts costs: the reads
// still to come (each post on a channel with --metrics, at each of the campaign's checkpoints not
// read yet) and those made.
func (a *app) addReadCost(ctx context.Context, c *xCost, views []postView, camp *models.Campaign) error {
	if c == nil {
		return nil
	}
	after := ""
	if camp != nil {
		var err error
		if after, err = a.store.CampaignMetricsAfter(ctx, camp.ID); err != nil {
			return err
		}
	}
	cps, err := models.ParseCheckpoints(after)
	if err != nil {
		cps, _ = models.ParseCheckpoints("")
	}
	var ids, bids []int64
	for _, v := range views {
		if v.Network == x.Name {
			ids = append(ids, v.ChannelID)
			bids = append(bids, v.BroadcastID)
		}
	}
	chans, err := a.store.ChannelsByID(ctx, ids)
	if err != nil {
		return err
	}
	done, err := a.store.PostMetricsOf(ctx, bids[:min(len(bids), 1)])
	if err != nil {
		return err
	}
	price := xReadPrice()
	for _, v := range views {
		if v.Network != x.Name {
			continue
		}
		for _, m := range done[v.ID] {
			if m.CostUSD > 0 {
				c.Read++
				c.ReadUSD += m.CostUSD
			}
		}
		if !scheduler.MetricsOn(chans[v.ChannelID]) {
			continue
		}
		switch v.Status {
		case models.PostPlanned, models.PostHeld, models.PostInvalid, models.PostSending, models.PostSent:
			c.ReadsToCome += len(cps) - len(done[v.ID])
		}
	}
	c.ReadsToCome = max(c.ReadsToCome, 0)
	c.ReadsToComeUSD = float64(c.ReadsToCome) * price
	if c.ReadsToCome+c.Read > 0 {
		c.Prices.Read = price
	}
	return nil
}

// printReadCost prints the engagement reads' lines of the X estimate.
func (a *app) printReadCost(c *xCost) {
	if c == nil || c.ReadsToCome+c.Read == 0 {
		if c != nil {
			fmt.Fprintln(a.out, "  engagement reads off (onair channel metrics NAME on: $0.005 a post read)")
		}
		return
	}
	fmt.Fprintf(a.out, "  reads    %s to come at $%.3f: $%.3f", plural(c.ReadsToCome, "engagement read", "engagement reads"), c.Prices.Read, c.ReadsToComeUSD)
	if c.Read > 0 {
		fmt.Fprintf(a.out, "; %d made: $%.3f", c.Read, c.ReadUSD)
	}
	fmt.Fprintln(a.out)
}
