package payment

// paidInFull reports whether a payment covers the order: the payer paid it all, or
// paid less by exactly the discounts promotion_detail lists (a WeChat-funded 立减 or a
// coupon: WeChat settles the difference, the order is paid). A shortfall no discount
// explains stays an anomaly.
func paidInFull(orderFen, payerTotal int64, promotions []TransactionPromotion) bool {
	if payerTotal == orderFen {
		return true
	}
	return payerTotal > 0 && payerTotal < orderFen && payerTotal+discounts(promotions) == orderFen
}

// discounts sums the promotions' amounts (fen).
func discounts(promotions []TransactionPromotion) int64 {
	var sum int64
	for _, p := range promotions {
		if p.Amount > 0 {
			sum += p.Amount
		}
	}
	return sum
}
