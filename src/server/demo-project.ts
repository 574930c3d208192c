/** The demo project created on first start (French-speaking, Québec). */
export const DEMO = {
  "name": "Démo",
  "defaultSender": { "name": "Relais Démo", "email": "bonjour@demo.relais.local" },
  "config": {
    "timezone": "America/Toronto",
    "sendHour": 10,
    "fields": [
      { "key": "email", "type": "email", "category": "uniqueKey" },
      { "key": "firstName", "type": "text", "category": "general" },
      { "key": "lastName", "type": "text", "category": "general" },
      { "key": "city", "type": "text", "category": "general" },
      { "key": "language", "type": "text", "category": "general" },
      { "key": "birthDate", "type": "date", "category": "general" },
      { "key": "phone", "type": "phone", "category": "general" },
      { "key": "customerNumber", "type": "text", "category": "administrative" }
    ],
    "communicationTypes": [
      { "key": "infolettre", "channel": "email" },
      { "key": "promotions", "channel": "email" },
      { "key": "alertes-sms", "channel": "sms" },
      { "key": "transactionnel", "channel": "email", "administrative": true }
    ],
    "groups": [{ "key": "vip" }, { "key": "montreal" }],
    "personas": [
      { "key": "francophones", "rule": { "field": "language", "operator": "equals", "value": "fr" } }
    ]
  },
  "contacts": [
    { "id": "marie.tremblay@example.com", "fields": { "email": "marie.tremblay@example.com", "firstName": "Marie", "lastName": "Tremblay", "city": "Montréal", "language": "fr" }, "subscriptions": { "infolettre": true, "promotions": true }, "groups": ["vip", "montreal"] },
    { "id": "jean.gagnon@example.com", "fields": { "email": "jean.gagnon@example.com", "firstName": "Jean", "lastName": "Gagnon", "city": "Québec", "language": "fr" }, "subscriptions": { "infolettre": true } },
    { "id": "sophie.roy@example.com", "fields": { "email": "sophie.roy@example.com", "firstName": "Sophie", "lastName": "Roy", "city": "Montréal", "language": "fr" }, "subscriptions": { "promotions": true }, "groups": ["montreal"] },
    { "id": "liam.smith@example.com", "fields": { "email": "liam.smith@example.com", "firstName": "Liam", "lastName": "Smith", "city": "Gatineau", "language": "en" }, "subscriptions": { "infolettre": true } },
    { "id": "chloe.cote@example.com", "fields": { "email": "chloe.cote@example.com", "firstName": "Chloé", "lastName": "Côté", "city": "Sherbrooke", "language": "fr" }, "subscriptions": {} }
  ],
  "campaign": {
    "name": "Bienvenue",
    "elements": [
      { "id": "t1", "type": "trigger.contactSubscribed", "params": { "communicationTypes": ["infolettre"] }, "position": { "x": 0, "y": 0 } },
      { "id": "a1", "type": "action.sendEmail", "params": { "communicationType": "infolettre", "message": { "subject": "Bienvenue {{ contact.firstName }} !", "html": "<p>Bonjour {{ contact.firstName }}, merci de votre abonnement.</p>" } }, "position": { "x": 0, "y": 120 } },
      { "id": "e1", "type": "end.success", "params": {}, "position": { "x": 0, "y": 240 } }
    ],
    "connections": [
      { "from": "t1", "exit": "next", "to": "a1" },
      { "from": "a1", "exit": "next", "to": "e1" }
    ]
  }
} as const;
